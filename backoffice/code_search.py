""""Code starts with" read off the code's index (issue #16: the load test's slowest request).

FAB's "starts with" is ``code ILIKE 'L00%'``. PostgreSQL cannot read an ILIKE off a b-tree, so a
client list filtered on a code prefix and sorted by code walked the code index from the wrong
end and tested a row at a time: 900,000 rows and 360-750 ms at 1,000,000 clients for the prefix
``L00``, and a scan of every client for the export of a 7-character prefix. The planner cannot
know that the rows it wants sit together at one end of the index.

Under a code-point collation (C, POSIX, C.UTF-8: how the codes sort here) the codes beginning with
exactly ``L00`` are exactly those in ``['L00', 'L01')``, a range the index reads directly. ILIKE
also matches ``l00``, another range, so the filter first asks the index which spellings of the
prefix exist at all (``L00``, ``l00``: one look-up each, a fraction of a millisecond) and adds the
ranges of those alone. Usually one exists, and the list reads its 25 rows off the index in order.
The ILIKE stays, so the rows are the same as FAB's on every database; where the collation is not
code-point order (or the prefix holds a wildcard, or too many letters), only the ILIKE remains.

Used for the columns a model lists in ``__prefix_search__`` (the client code), through the
project's interface (``collation.PinyinOrderInterface``).
"""
import itertools

import sqlalchemy as sa
from flask_appbuilder.models.sqla.filters import FilterStartsWith, SQLAFilterConverter, get_field_setup_query

from backoffice.db_facts import postgresql_fact

CODE_POINT_COLLATIONS = {"c", "posix", "c.utf-8", "c.utf8", "ucs_basic"}
MAX_LETTERS = 4  # at most 2**4 spellings looked up; a longer run of letters keeps FAB's ILIKE only


def code_point_order(bind):
    """True when ``bind`` is PostgreSQL whose database sorts text by code point (checked once)."""
    return postgresql_fact(bind, "code_point", "SELECT datcollate FROM pg_database WHERE datname = current_database()",
                           lambda collate: (collate or "").lower() in CODE_POINT_COLLATIONS)


def spellings(prefix):
    """Every upper/lower-case spelling of ``prefix`` (None when it has too many letters)."""
    letters = [i for i, ch in enumerate(prefix) if ch.lower() != ch.upper()]
    if len(letters) > MAX_LETTERS:
        return None
    out = []
    for cases in itertools.product((str.upper, str.lower), repeat=len(letters)):
        chars = list(prefix)
        for i, case in zip(letters, cases):
            chars[i] = case(chars[i])
        out.append("".join(chars))
    return sorted(set(out))


def prefix_range(prefix):
    """(low, high): the strings beginning with ``prefix`` in code-point order."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


class IndexedStartsWith(FilterStartsWith):
    """FAB's FilterStartsWith (same name, label and URL argument), with the index ranges above."""

    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        condition = field.ilike(value + "%")
        ranges = self._ranges(query, field, value)
        if ranges is not None:
            condition = sa.and_(condition, sa.or_(*ranges) if ranges else sa.false())
        return query.filter(condition)

    def _ranges(self, query, field, value):
        if not value or any(ch in value for ch in "%_\\") or not code_point_order(query.session.get_bind()):
            return None
        variants = spellings(value)
        if variants is None:
            return None
        column = getattr(self.model, self.column_name)
        found = []
        for variant in variants:
            low, high = prefix_range(variant)
            exists = query.session.execute(
                sa.select(sa.literal(1)).where(column >= low, column < high).limit(1)).first()
            if exists is not None:
                found.append(sa.and_(field >= low, field < high))
        return found


class CodePrefixConverter(SQLAFilterConverter):
    """FAB's filters, with IndexedStartsWith for the model's ``__prefix_search__`` columns."""

    def convert(self, col_name):
        filters = super().convert(col_name)
        if filters and col_name in getattr(self.datamodel.obj, "__prefix_search__", ()):
            filters = [IndexedStartsWith(col_name, self.datamodel) if type(f) is FilterStartsWith else f
                       for f in filters]
        return filters
