"""The client list's "code starts with" finds what FAB's ILIKE finds, every spelling included
(backoffice/code_search.py reads it off the code's index on PostgreSQL)."""
import re

import sqlalchemy as sa

from backoffice import models as m
from backoffice.extensions import db


def _codes(page):
    return set(re.findall(r"\b([QqXx]9[0-9]{2})\b", page))


def test_code_starts_with_is_case_insensitive_and_exact(app, login, world):
    from backoffice.cli import act_as_system

    with app.app_context():
        act_as_system()
        model = db.session.get(m.Client, world["clients"]["W003"])
        rows = [m.Client(code=code, name=f"前缀测试{code}", department_id=model.department_id, market_type="C",
                         business_format_id=model.business_format_id)
                for code in ("Q901", "q902", "Q990", "X901")]
        db.session.add_all(rows)
        db.session.commit()
        ids = [r.id for r in rows]
    try:
        admin = login("t_admin")
        for typed, expected in (("Q9", {"Q901", "q902", "Q990"}), ("q90", {"Q901", "q902"}),
                                ("Q99", {"Q990"}), ("X9", {"X901"}), ("Z9", set())):
            r = admin.get(f"/clientview/list/?_flt_0_code={typed}&_oc_ClientView=code&_od_ClientView=desc")
            assert r.status_code == 200
            assert _codes(r.get_data(as_text=True)) == expected, typed
        # the API's "sw" filter is the same filter
        r = admin.api("get", "/api/v1/client/?q=(filters:!((col:code,opr:sw,value:q9)),columns:!(code))")
        assert r.status_code == 200 and {x["code"] for x in r.json["result"]} == {"Q901", "q902", "Q990"}
        # a wildcard in the prefix is FAB's ILIKE as before (no range)
        r = admin.get("/clientview/list/?_flt_0_code=Q_0")
        assert _codes(r.get_data(as_text=True)) == {"Q901", "q902"}
    finally:
        with app.app_context():
            db.session.execute(sa.delete(m.Client).where(m.Client.id.in_(ids)))
            db.session.commit()


def test_on_postgresql_the_prefix_is_an_index_range_of_the_spellings_that_exist(app, world):
    from backoffice.code_search import IndexedStartsWith
    from backoffice.collation import PinyinOrderInterface

    with app.app_context():
        dm = PinyinOrderInterface(m.Client, session=db.session)
        (flt,) = [f for f in dm.get_filters(["code"]).get_search_filters()["code"] if isinstance(f, IndexedStartsWith)]
        existing = db.session.get(m.Client, world["clients"]["W003"]).code  # "W003"
        sql = str(flt.apply(db.session.query(m.Client.id), existing[:2].lower()).statement.compile(
            dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        if app.backend == "postgresql":
            # only the spelling that exists ("W0", not "w0") becomes a range next to the ILIKE
            assert f"client.code >= '{existing[:2]}' AND client.code < '{existing[0]}1'" in sql, sql
            assert f">= '{existing[:2].lower()}'" not in sql
        else:
            assert ">=" not in sql  # SQLite: FAB's ILIKE alone (a few hundred clients)
        assert "lower(client.code) LIKE lower('w0%')" in sql or "ILIKE 'w0%" in sql, sql  # FAB's filter stays
