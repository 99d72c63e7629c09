"""How many records a list screen says it has, at a million clients (issue #16).

FAB counts every list page exactly: ``SELECT count(*)`` over everything the filters and the row
scope let through, before it reads the 25 rows it shows. At 1,000,000 clients that count is most
of the page's time (a scan of hundreds of thousands of rows for "status = active", of all of them
for "name contains"), while reading the page itself walks an index and stops after 25 rows.

What people expect from a list that large is what search pages show: the exact number while it is
small enough to mean something, and "more than 2,000" past that -- nobody pages to record 400,000;
they narrow the filters. So the screens count at most ``LIST_COUNT_CAP`` + 1 rows
(``SELECT count(*) FROM (... LIMIT cap + 1)``, which stops early): at or under the cap the count
is exact; over it the list says "more than 2,000" and pages through the first 2,001 records (80
pages; sorting the other way reaches the other end). Why 2,000: "name contains" (ILIKE on Chinese
text) reads about 12 rows per match for a common word, so counting to 10,000 still scanned 120,000
rows (120 ms, the slowest part of the page); to 2,000 it is some 25 ms. Not an estimate: the planner's row estimate for
"name contains" can be off by a factor of ten, and a number that is wrong is worse than one that
says it stopped counting.

Only the screens (``ScopedModelView``); the REST API keeps FAB's exact ``count`` (scripts page by
it). ``LIST_COUNT_CAP = 0`` gives FAB's exact count everywhere. On SQLite (the embedded demo, a
few hundred clients) the exact count is as cheap as any.
"""
from flask import current_app, has_request_context
from flask_babel import gettext as _

DEFAULT_CAP = 2000


class CountAtLeast(int):
    """A count that stopped at the cap: its value is cap + 1 (so the pages reach the records read),
    and it prints as "more than <cap>" in the user's language (FAB's list prints ``{{ count }}``)."""

    def __new__(cls, value, cap):
        obj = super().__new__(cls, value)
        obj.cap = cap
        return obj

    def __str__(self):
        return _("more than %(count)s", count=f"{self.cap:,}")


def _cap():
    if not has_request_context():
        return 0
    return int(current_app.config.get("LIST_COUNT_CAP", DEFAULT_CAP) or 0)


class CappedCountMixin:
    """For an SQLAInterface: ``query_count`` counts up to the cap (PostgreSQL, in a request)."""

    def query_count(self, query, filters=None, select_columns=None):
        cap = _cap()
        if not cap or self.session.get_bind().dialect.name != "postgresql":
            return super().query_count(query, filters, select_columns)
        inner = self._apply_inner_all(query, filters, select_columns=select_columns, aliases_mapping={})
        count = inner.limit(cap + 1).count()  # SELECT count(*) FROM (... LIMIT cap + 1)
        return CountAtLeast(count, cap) if count > cap else count


_CLASSES = {}


def with_capped_count(datamodel):
    """``datamodel`` (an SQLAInterface, e.g. the PinyinOrderInterface), counting up to the cap."""
    if isinstance(datamodel, CappedCountMixin):
        return datamodel
    base = type(datamodel)
    cls = _CLASSES.get(base)
    if cls is None:
        cls = _CLASSES[base] = type(f"CappedCount{base.__name__}", (CappedCountMixin, base), {})
    return cls(datamodel.obj, session=datamodel._session)
