"""Facts about a PostgreSQL server that do not change while the app runs (its collations), asked
once per engine (``collation.py``: is there ICU's Chinese collation; ``code_search.py``: does the
database sort text by code point). Anything but PostgreSQL answers False."""
import sqlalchemy as sa

_FACTS = {}


def postgresql_fact(bind, fact, sql, test, **params):
    """``test(scalar result of sql)`` on ``bind``'s PostgreSQL engine, kept under ``fact``."""
    engine = getattr(bind, "engine", bind)
    if engine.dialect.name != "postgresql":
        return False
    key = (str(engine.url), fact)
    if key not in _FACTS:
        with engine.connect() as conn:
            _FACTS[key] = bool(test(conn.execute(sa.text(sql), params).scalar()))
    return _FACTS[key]
