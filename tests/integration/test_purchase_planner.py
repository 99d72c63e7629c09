"""The purchase import's two lanes agree (SPEC §9: every row checked with the same rules).

``PurchasePlanner`` converts plain rows column-wise with pandas and sends every other row through
``_check_row`` one at a time. These tests run the same rows through the planner as it is and
through one with the fast lane switched off, and require the same outcome for every row: action,
errors (field and message), changes shown in the preview, counts and the rows handed to the
writer. Random files mix plain cells with every awkward spelling, unknown and out-of-scope
clients, repeated (client, month) keys and existing records, on SQLite and PostgreSQL.
"""
import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice import models as m
from backoffice.extensions import db
from backoffice.imports.base import ImportResult, Keeper
from backoffice.imports.purchases import FIELDS, PurchasePlanner
from backoffice.security.scope import act_as

# Stored records of each test client: the files below repeat these values often (unchanged
# rows), change one of them (updates) or name other months (new records).
STORED = {
    1: {"quantity": 12, "amount": Decimal("10.00")},
    2: {"quantity": 12, "amount": Decimal("1234.50"), "profit": Decimal("-3.00")},
    3: {"quantity": 5, "amount": Decimal("10.00"), "profit": Decimal("1.00")},
    4: {"quantity": 12, "amount": Decimal("1234.50")},
    5: {"quantity": 5, "amount": Decimal("10.00")},
    6: {"quantity": 12, "amount": Decimal("1234.50"), "profit": Decimal("1.00")},
}
MONTHS = ["2026-01", "2026/02", "2026-03-01", "202604", "2026年5月", " 2026-06 ", "2026-07", "2026-01", "2026-02",
          "2026-04", "2026-13", "2026-02-15", "", "abc"]
QUANTITIES = ["12", "12", "12", "5", "5", "0", "1,200", "-3", "１２", "12.0", "12.5", "", "abc", "9999999999", "007",
              "999999999"]
AMOUNTS = ["1234.5", "1,234.50", "10", "10.00", "10", "1234.50", "8.5", "¥12", "-1", "1.234", "", "1e3", "0", "1,2",
           "12,345,678.9", "999999999999.99", "1000000000000"]
PROFITS = ["", "", "", "1", "1.00", "-3.00", "-3", "1,000", "¥1", "0.001", "x", "1.5"]


def code_pool(app):
    own = [f"PL1{app.backend[:2].upper()}", f"PL2{app.backend[:2].upper()}"]
    return own, own * 3 + ["W001", "W002", "NOPE", "", f" {own[0]} "]


@pytest.fixture
def planner_world(app):
    """Two clients of t_cm1 with stored purchases for January to June (see ``STORED``), beside
    the world's W001 (t_cm1's) and W002 (another department's: outside t_cm1's scope)."""
    from backoffice.cli import act_as_system

    own, _pool = code_pool(app)
    with app.app_context(), app.test_request_context():
        act_as_system()
        dept = db.session.execute(sa.select(m.Department).where(m.Department.code == "D1A")).scalar_one()
        staff = db.session.execute(sa.select(m.Staff).join(m.Staff.user).where(
            app.appbuilder.sm.user_model.username == "t_cm1")).scalar_one()
        fmt = db.session.execute(sa.select(m.BusinessFormat).where(m.BusinessFormat.code == "Z")).scalar_one()
        clients = [m.Client(code=code, name=f"客户{code}", department=dept, owner=staff, business_format=fmt,
                            market_type="C") for code in own]
        db.session.add_all(clients)
        db.session.flush()
        db.session.add_all([
            m.PurchaseRecord(client_id=c.id, month=dt.date(2026, month, 1), **STORED[month]) for c in clients
            for month in STORED
        ])
        db.session.commit()
    yield
    with app.app_context():
        ids = db.session.execute(sa.select(m.Client.id).where(m.Client.code.in_(own))).scalars().all()
        db.session.execute(sa.delete(m.PurchaseRecord).where(m.PurchaseRecord.client_id.in_(ids)))
        db.session.execute(sa.delete(m.Client).where(m.Client.id.in_(ids)))
        db.session.commit()


def frame_of(rows, with_profit):
    fields = FIELDS if with_profit else FIELDS[:-1]
    cells = [r if with_profit else r[:-1] for r in rows]
    return pd.DataFrame(cells, columns=fields, index=range(2, 2 + len(rows)), dtype=str)


def outcome(app, frame, fast, limit, chunk):
    """Everything the planner decides about ``frame``, as plain data."""
    with app.test_request_context():
        user = db.session.execute(sa.select(app.appbuilder.sm.user_model).where(
            app.appbuilder.sm.user_model.username == "t_cm1")).scalar_one()
        act_as(user)
        planner = PurchasePlanner(user, list(frame.columns), fast=fast)
        result, keeper = ImportResult(kind="purchases", mode="dry_run"), Keeper(limit)
        work = []
        for start in range(0, len(frame), chunk):
            work += planner.check(frame.iloc[start:start + chunk], result, keeper)
        db.session.rollback()
    shown = [(r.row, r.key, r.action, [(f, str(msg)) for f, msg in r.errors], r.changes) for r in result.rows]
    written = sorted((c, mo, q, Decimal(str(a)), None if p is None else Decimal(str(p)), new)
                     for c, mo, q, a, p, new in work)
    return result.counts, result.errors_total, shown, written


SPELLINGS = {  # ways a file writes a stored value (plain ones and careful-lane ones)
    "quantity": lambda v: [str(v), str(v), f"{v:,}", f"{v}.0"],
    "money": lambda v: [f"{v}", f"{v:,}", f"{v.normalize()}", f"¥{v}"],
}


@st.composite
def rows_strategy(draw, pool):
    """Rows that mostly name stored records (so unchanged rows and updates of each value are
    frequent), spelled in every way, mixed with awkward cells of every column."""
    rows = []
    for _ in range(draw(st.integers(1, 40))):
        code = draw(st.sampled_from(pool))
        if draw(st.integers(0, 3)):
            number = draw(st.sampled_from(list(STORED) + [7, 8]))
            month = draw(st.sampled_from([f"2026-{number:02d}", f"2026/{number}", f"2026{number:02d}"]))
            stored = STORED.get(number, {"quantity": 1, "amount": Decimal("1.00")})
            cells = []
            for name, kind, awkward in (("quantity", "quantity", QUANTITIES), ("amount", "money", AMOUNTS),
                                        ("profit", "money", PROFITS)):
                value = stored.get(name)
                same = SPELLINGS[kind](value) if value is not None else [""]
                cells.append(draw(st.sampled_from(same)) if draw(st.integers(0, 2)) else draw(st.sampled_from(awkward)))
            rows.append((code, month, *cells))
        else:
            rows.append((code, *(draw(st.sampled_from(c)) for c in (MONTHS, QUANTITIES, AMOUNTS, PROFITS))))
    return rows


@pytest.mark.usefixtures("planner_world")
def test_fast_and_careful_lanes_agree_on_random_files(app):
    _own, pool = code_pool(app)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(rows=rows_strategy(pool), with_profit=st.booleans(), limit=st.sampled_from([2, 1000]),
           chunk=st.sampled_from([7, 1000]))
    def check(rows, with_profit, limit, chunk):
        frame = frame_of(rows, with_profit)
        with app.app_context():
            assert outcome(app, frame, True, limit, chunk) == outcome(app, frame, False, limit, chunk)

    check()


@pytest.mark.usefixtures("planner_world")
def test_plain_rows_take_the_fast_lane_and_others_the_careful_one(app, monkeypatch):
    own, _pool = code_pool(app)
    a, b = own
    rows = [
        (a, "2026-01", "12", "10.00", ""),  # as stored: unchanged
        (a, "2026-02", "12", "1234.5", "-3"),  # negative profit: careful lane, unchanged
        (a, "2026-07", "7", "1,000.5", "1"),  # plain, new
        (b, "2026-07", "１２", "8", ""),  # full-width digits: careful lane, new
        (b, "2026-07", "1", "1", ""),  # the same key again: careful lane, refused
        ("W002", "2026-07", "1", "1", ""),  # outside t_cm1's scope: careful lane, refused
        (a, "2026-08", "2", "-1", ""),  # the record's own rule: careful lane, refused
        (a, "2026-03", "5", "12.5", "1.00"),  # plain, the amount changes: update
    ]
    calls = []
    original = PurchasePlanner._check_row
    monkeypatch.setattr(PurchasePlanner, "_check_row", lambda self, pos, *rest: calls.append(pos) or original(self, pos, *rest))
    with app.app_context():
        counts, _n, shown, written = outcome(app, frame_of(rows, True), True, 1000, 1000)
    assert calls == [1, 3, 4, 5, 6]
    assert counts == {"create": 2, "update": 1, "unchanged": 2, "reject": 3}
    assert [(r, key, action) for r, key, action, _e, _c in shown] == [
        (4, f"{a} / 2026-07", "create"), (5, f"{b} / 2026-07", "create"), (6, f"{b} / 2026-07", "reject"),
        (7, "W002 / 2026-07", "reject"), (8, f"{a} / 2026-08", "reject"), (9, f"{a} / 2026-03", "update")]
    assert {r: e for r, _k, _a, e, _c in shown if e} == {
        6: [("month", "同一记录已在本文件第 5 行出现。")],
        7: [("client", "您的权限范围内没有编码为 W002 的客户。")],
        8: [("amount", "不能为负数。")],
    }
    assert shown[0][4] == {"quantity": ("", "7"), "amount": ("", "1,000.50"), "profit": ("", "1.00")}
    assert shown[1][4] == {"quantity": ("", "12"), "amount": ("", "8.00")}
    assert shown[5][4] == {"amount": ("10.00", "12.50")}
    assert sorted(row[1:] for row in written) == [
        (dt.date(2026, 3, 1), 5, Decimal("12.50"), Decimal("1.00"), False),
        (dt.date(2026, 7, 1), 7, Decimal("1000.50"), Decimal("1.00"), True),
        (dt.date(2026, 7, 1), 12, Decimal("8.00"), None, True),
    ]
