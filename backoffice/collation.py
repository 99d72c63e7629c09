"""Client names in the order Chinese users expect: by pinyin, not by code point (issue #11).

PostgreSQL with ICU (every PGDG / Debian build since 10) has the ``zh-x-icu`` collation, which
sorts Han characters by pinyin (CLDR's default Chinese order): 安, 北, 陈, 张. ``ORDER BY name
COLLATE "zh-x-icu"`` is used for the columns a model lists in ``__pinyin_sort__`` (the client
name) wherever our lists sort by them. A server without ICU falls back to its own collation.

SQLite has no ICU collation (the ``icu`` extension is not in Python's build): it sorts by code
point, which for common Han characters is roughly by radical and stroke, not pinyin. The README
says so; the lists there still sort, only not in pinyin order.
"""
import sqlalchemy as sa
from flask_appbuilder.models.sqla.interface import SQLAInterface

from backoffice.code_search import CodePrefixConverter
from backoffice.db_facts import postgresql_fact

PINYIN_COLLATION = "zh-x-icu"


def pinyin_collation_available(bind):
    """True when ``bind`` is PostgreSQL and has the ICU Chinese collation (checked once per engine)."""
    return postgresql_fact(bind, "pinyin", "SELECT 1 FROM pg_collation WHERE collname = :name",
                           lambda found: found is not None, name=PINYIN_COLLATION)


def pinyin_sorted(column, session):
    """``column`` collated for a pinyin ORDER BY where the database can, else as it is."""
    if pinyin_collation_available(session.get_bind()):
        return column.collate(PINYIN_COLLATION)
    return column


def pinyin_columns(model):
    return tuple(getattr(model, "__pinyin_sort__", ()) or ())


class PinyinOrderInterface(SQLAInterface):
    """FAB's interface, ordering the model's ``__pinyin_sort__`` columns by pinyin (and reading
    "starts with" on its ``__prefix_search__`` columns off their index, ``code_search.py``)."""

    filter_converter_class = CodePrefixConverter

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None,
                       bypass_many_to_many=False, add_pk=False):
        if order_column not in pinyin_columns(self.obj):
            return super().apply_order_by(query, order_column, order_direction, aliases_mapping=aliases_mapping,
                                          bypass_many_to_many=bypass_many_to_many, add_pk=add_pk)
        direction = sa.asc if order_direction == "asc" else sa.desc
        columns = [direction(pinyin_sorted(getattr(self.obj, order_column), self.session))]
        if add_pk:
            columns.append(direction(getattr(self.obj, self.get_pk_name())))
        return query.order_by(*columns)


def with_pinyin_order(datamodel):
    """``datamodel`` (an SQLAInterface), as a PinyinOrderInterface when its model has pinyin columns."""
    if not pinyin_columns(datamodel.obj) or isinstance(datamodel, PinyinOrderInterface):
        return datamodel
    return PinyinOrderInterface(datamodel.obj, session=datamodel._session)

# Indexes that exist only where the database can build them, so not in the models' metadata:
# the client names in pinyin order (migration 0011_pinyin_index, PostgreSQL with ICU). The
# migration test (tests/integration/test_migrations.py) leaves them out of its comparison.
PINYIN_INDEX = "ix_client_name_pinyin"
DATABASE_ONLY_INDEXES = frozenset({PINYIN_INDEX})
