"""Purchase import (购进记录): client code, month, quantity, amount, optional profit (SPEC §2, §9).

One row per client and month; an existing (client, month) record is updated, only when a value
differs, so importing the same file twice changes nothing. The file can be large (a year of
every client's months, a million rows): rows are checked in chunks with one query per chunk for
the clients and one for the existing records, plain rows column-wise with pandas, and written by
``imports.apply`` in bulk.
"""
import datetime as dt
from collections import namedtuple
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.extensions import db
from backoffice.imports import checks
from backoffice.imports.base import CELL_MESSAGES, Column, RowResult, display
from backoffice.imports.reading import CellError, clean_number, parse_month
from backoffice.models import Client, PurchaseRecord
from backoffice.labels import LABELS
from backoffice.rules.money import AmountError, parse_amount

COLUMNS = [
    Column("client", _l("Client code"), required=True, example="C0001", aliases=("client_code", "code", "客户编码", "客戶編碼", "客户代码")),
    Column("month", LABELS["month"], required=True, example="2026-11", hint=_l("2026-11, 2026/11, 2026-11-01 or 202611")),
    Column("quantity", LABELS["quantity"], required=True, example="1,200", hint=_l("Whole number")),
    Column("amount", LABELS["amount"], required=True, example="123,456.50", hint=_l("Up to two decimals; 1,234.50 accepted")),
    Column("profit", LABELS["profit"], example="8,000.00", hint=_l("Optional; left as it is when the column is absent")),
]
FIELDS = [c.field for c in COLUMNS]
MONEY_FIELDS = ("amount", "profit")
_MAX_MONEY = Decimal("999999999999.99")  # Numeric(14, 2)
_MAX_INT = 2**31 - 1
# What the fast lane takes as it is: ASCII digits only (full-width ones go the careful way).
_PLAIN_INT = r"[0-9]{1,9}"
_PLAIN_MONEY = r"(?:[0-9]{1,12}|[0-9]{1,3}(?:,[0-9]{3}){1,3})(?:\.[0-9]{1,2})?"
_NO_CENTS = -(10**15)  # stands for "no profit" when comparing fen (outside Numeric(14, 2))

StoredPurchase = namedtuple("StoredPurchase", "quantity amount profit")


def _money(text):
    """Money text -> Decimal(2 places) or raises CellError: the one amount parser
    (backoffice/rules/money.py), plus the column's range."""
    try:
        value = parse_amount(text, 2)
    except AmountError as exc:  # a fraction of a fen is refused, never rounded away
        raise CellError(exc.code) from None
    if abs(value) > _MAX_MONEY:
        raise CellError("number")
    return value


def _quantity(text):
    if text.isdigit():
        value = int(text)
    else:
        d = Decimal(clean_number(text))
        if d != d.to_integral_value():
            raise CellError("integer")
        value = int(d)
    if abs(value) > _MAX_INT:
        raise CellError("number")
    return value


def _label(code, month, text):
    """How a row is named in the preview: "C0001 / 2026-11"."""
    return f"{code} / {month.strftime('%Y-%m') if isinstance(month, dt.date) else text}"


class PurchasePlanner:
    """Checks purchase rows a chunk at a time.

    Most rows of a real file are plain ("C0001", "2026-11", "1200", "123,456.50"): those are
    converted column-wise with pandas (the fast lane). A row with anything else in it -- an
    empty cell, a currency sign, a full-width digit, a code outside the scope, a month given
    twice -- goes through ``_check_row`` one by one, which knows every spelling and writes every
    message. Both lanes end in the record's own rules (``PurchaseRecord.business_errors``), row by
    row, and ``tests/unit/test_purchase_planner.py`` checks that they agree on every row.
    """

    kind = "purchases"
    columns = COLUMNS

    def __init__(self, user, present, fast=True):
        self.user = user
        self.fast = fast
        self.has_profit = "profit" in present
        self.present = [f for f in FIELDS if f in present]
        self.client_ids = {}  # client code -> id (None: unknown or outside the scope)
        self.months = {}  # month text -> date or CellError code
        self.seen = {}  # (client id, month) -> first row number

    def _resolve_clients(self, codes):
        todo = [c for c in codes if c not in self.client_ids]
        found = {}
        for part in checks.chunks(todo):
            found.update(db.session.execute(sa.select(Client.code, Client.id).where(Client.code.in_(part))).all())
        allowed = checks.in_scope_ids(Client, set(found.values()), self.user)
        for code in todo:
            cid = found.get(code)
            self.client_ids[code] = cid if cid in allowed else None

    def _month(self, text):
        if text not in self.months:
            try:
                self.months[text] = parse_month(text)
            except CellError as exc:
                self.months[text] = exc.code
        return self.months[text]

    def _existing(self, ids, months):
        """The stored records of these clients and months, as a frame keyed like the file's rows:
        client_id, month, quantity, and the money columns in fen (``amount_c``, ``profit_c``)."""
        cents = [sa.cast(sa.func.round(c * 100), sa.BigInteger) for c in (PurchaseRecord.amount, PurchaseRecord.profit)]
        cols = [PurchaseRecord.client_id, PurchaseRecord.month, PurchaseRecord.quantity, *cents]
        found = []
        if ids and months:
            for part in checks.chunks(ids):
                q = sa.select(*cols).where(PurchaseRecord.client_id.in_(part), PurchaseRecord.month.in_(months))
                found.extend(map(tuple, db.session.execute(q)))
        frame = pd.DataFrame(found, columns=["client_id", "month", "quantity_old", "amount_c_old", "profit_c_old"])
        return frame.astype({"client_id": "int64", "quantity_old": "int64", "amount_c_old": "int64",
                             "profit_c_old": "Int64"})

    def check(self, frame, result, keeper):
        """Check the rows of ``frame``; record outcomes in ``result``; return the rows to write
        as tuples (client_id, month, quantity, amount, profit, is_new)."""
        rows = frame.index.to_numpy()
        text = {name: frame[name].str.strip() for name in self.present}
        codes, months_text = text["client"], text["month"]
        self._resolve_clients(set(codes.unique()) - {""})
        cid = codes.map(self.client_ids)  # NaN: empty, unknown or outside the scope
        month_of = {t: self._month(t) for t in months_text.unique()}
        month = months_text.map(month_of)
        keyed = cid.notna() & months_text.isin([t for t, m in month_of.items() if isinstance(m, dt.date)])

        # A (client, month) given twice: the later rows are refused, naming the first (row order).
        duplicate_of = {}
        positions = np.flatnonzero(keyed.to_numpy())
        for pos, c, m in zip(positions, cid.to_numpy()[positions], month.to_numpy()[positions]):
            key = (int(c), m)
            first = self.seen.get(key)
            if first is None:
                self.seen[key] = int(rows[pos])
            else:
                duplicate_of[pos] = first

        repeated = np.zeros(len(rows), dtype=bool)
        repeated[list(duplicate_of)] = True
        fast = keyed & ~repeated
        fast &= text["quantity"].str.fullmatch(_PLAIN_INT) & text["amount"].str.fullmatch(_PLAIN_MONEY)
        if self.has_profit:
            fast &= text["profit"].eq("") | text["profit"].str.fullmatch(_PLAIN_MONEY)
        if not self.fast:
            fast[:] = False

        ids = {int(c) for c in cid[keyed]}
        existing = self._existing(ids, {m for t, m in month_of.items() if isinstance(m, dt.date)})
        fast_rows = self._fast_lane(frame.index[fast.to_numpy()], cid, month, text, existing)
        slow_pos = np.flatnonzero(~fast.to_numpy())
        stored = self._stored(existing) if len(slow_pos) else {}
        slow = [self._check_row(p, rows, text, cid, month, duplicate_of, stored) for p in slow_pos]
        return self._record(fast_rows, slow, result, keeper)

    def _fast_lane(self, index, cid, month, text, existing):
        """The plain rows as a frame in row order: key, values (quantity, money in fen and as
        text) and the stored values they replace (``*_old``; ``is_new`` when there are none)."""
        new = pd.DataFrame({
            "row": index.to_numpy(), "code": text["client"][index].to_numpy(), "client_id": cid[index].astype("int64").to_numpy(),
            "month": month[index].to_numpy(), "quantity": text["quantity"][index].astype("int64").to_numpy(),
            "amount_c": _cents(text["amount"][index]).to_numpy(),
        })
        if self.has_profit:
            given = text["profit"][index]
            new["profit_c"] = _cents(given.where(given.ne(""), "0")).astype("Int64").where(given.ne("")).array
        merged = new.merge(existing, how="left", on=["client_id", "month"], sort=False)
        merged["is_new"] = merged["amount_c_old"].isna()
        if not self.has_profit:  # no profit column: the stored profit stays as it is
            merged["profit_c"] = merged["profit_c_old"]
        return merged

    def _check_row(self, pos, rows, text, cid, month, duplicate_of, stored):
        """One row the fast lane did not take: (row, label, errors, values, item)."""
        errors = {}
        required = str(CELL_MESSAGES["required"])
        code, month_text = text["client"].iat[pos], text["month"].iat[pos]
        client_id = None if pd.isna(cid.iat[pos]) else int(cid.iat[pos])
        if not code:
            errors["client"] = required
        elif client_id is None:
            errors["client"] = _("No client with code %(code)s in your scope.", code=code)
        value = month.iat[pos]
        if not month_text:
            errors["month"] = required
        elif not isinstance(value, dt.date):
            errors["month"] = str(CELL_MESSAGES[value])
        values = {"client_id": client_id, "month": value}
        for name, convert in (("quantity", _quantity), ("amount", _money)):
            cell = text[name].iat[pos]
            if not cell:
                errors[name] = required
                continue
            try:
                values[name] = convert(cell)
            except (CellError, InvalidOperation) as exc:
                errors[name] = str(CELL_MESSAGES[getattr(exc, "code", "number")])
        if self.has_profit:
            cell = text["profit"].iat[pos]
            try:
                values["profit"] = _money(cell) if cell else None
            except (CellError, InvalidOperation) as exc:
                errors["profit"] = str(CELL_MESSAGES[getattr(exc, "code", "number")])
        item = None
        if pos in duplicate_of:
            errors["month"] = checks.duplicate_key_error(duplicate_of[pos])
        elif "client" not in errors and "month" not in errors:
            item = stored.get((client_id, value))
        return int(rows[pos]), _label(code, value, month_text), errors, values, item

    @staticmethod
    def _stored(existing):
        """(client id, month) -> the stored record as the rules and the preview see it."""
        return {
            (c, m): StoredPurchase(q, _yuan(a), _yuan(p))
            for c, m, q, a, p in zip(*(existing[k].tolist() for k in existing.columns))
        }

    def _record(self, fast, slow, result, keeper):
        """Apply the record's rules to every row, count and keep the outcomes in row order, and
        return the rows to write."""
        rules = PurchaseRecord.business_errors
        outcomes = []  # (row, label, action, errors, new values, item) for the preview, row order
        work = []
        for row, label, errors, values, item in slow:
            if not errors:
                errors = rules(values, item)  # the same call the forms and the API make
            if errors:
                outcomes.append((row, label, "reject", _in_column_order(errors), None, None))
                continue
            profit = values.get("profit") if self.has_profit else (item.profit if item is not None else None)
            new = (values["client_id"], values["month"], values["quantity"], values["amount"], profit)
            action = "create" if item is None else (
                "update" if (item.quantity, item.amount, item.profit) != new[2:] else "unchanged")
            outcomes.append((row, label, action, None, new, item))
            if action != "unchanged":
                work.append(new + (item is None,))

        if len(fast):
            amount = _text(fast["amount_c"])
            profit = _text(fast["profit_c"])
            differs = fast["quantity"].ne(fast["quantity_old"]) | fast["amount_c"].ne(fast["amount_c_old"]) | \
                fast["profit_c"].fillna(_NO_CENTS).ne(fast["profit_c_old"].fillna(_NO_CENTS))
            action = np.where(fast["is_new"], "create", np.where(differs.fillna(True), "update", "unchanged"))
            columns = (fast["row"], fast["code"], fast["client_id"], fast["month"], fast["quantity"], amount, profit,
                       fast["is_new"], action, fast["quantity_old"], fast["amount_c_old"], fast["profit_c_old"])
            shown = {a: 0 for a in ("create", "update", "unchanged")}
            for row, code, client_id, month, quantity, amt, prof, is_new, act, q_old, a_old, p_old in zip(
                    *(c.tolist() if hasattr(c, "tolist") else c for c in columns)):
                item = None if is_new else StoredPurchase(int(q_old), _yuan(a_old), _yuan(p_old))
                values = {"client_id": client_id, "month": month, "quantity": quantity, "amount": Decimal(amt)}
                if self.has_profit:
                    values["profit"] = None if prof is None else Decimal(prof)
                # The rules see the values as the form would give them (money as Decimal).
                errors = rules(values, item)
                if errors:
                    outcomes.append((row, _label(code, month, ""), "reject", _in_column_order(errors), None, None))
                    continue
                new = (client_id, month, quantity, amt, prof)
                if act != "unchanged":
                    work.append(new + (is_new,))
                if shown[act] < keeper.limit:  # a preview keeps the first rows of each action only
                    shown[act] += 1
                    outcomes.append((row, _label(code, month, ""), act, None, new, item))
                else:
                    result.count(act)

        outcomes.sort(key=lambda o: o[0])
        for row, label, action, errors, new, item in outcomes:
            if not keeper.wants(action):
                result.count(action)
                continue
            if action == "reject":
                result.add(RowResult(row, label, action, errors=errors), keep=keeper(action))
                continue
            result.add(RowResult(row, label, action, changes=_changes(new, item)), keep=keeper(action))
        return work


def _in_column_order(errors):
    """{field: message} -> [(field, message)] in the file's column order (others last)."""
    return sorted(errors.items(), key=lambda p: FIELDS.index(p[0]) if p[0] in FIELDS else len(FIELDS))


def _cents(texts):
    """Money texts matching ``_PLAIN_MONEY`` -> int64 fen, column-wise ("1,234.5" -> 123450)."""
    if texts.empty:
        return pd.Series([], index=texts.index, dtype="int64")
    parts = texts.str.replace(",", "", regex=False).str.partition(".")
    return parts[0].astype("int64") * 100 + parts[2].str.ljust(2, "0").astype("int64")


def _text(cents):
    """Fen -> "1234.50" (None where missing), column-wise; the text COPY and SQLite take."""
    c = cents.astype("Int64")
    size = c.abs()
    sign = pd.Series(np.where((c < 0).fillna(False).to_numpy(bool), "-", ""), index=c.index)
    out = sign + (size // 100).astype(str) + "." + (size % 100).astype(str).str.zfill(2)
    return [t if present else None for t, present in zip(out.tolist(), c.notna().tolist())]


def _yuan(cents):
    return None if cents is None or pd.isna(cents) else Decimal(int(cents)).scaleb(-2)


def _decimal(value):
    return value if value is None or isinstance(value, Decimal) else Decimal(value)


def _changes(new, item):
    """What the preview shows of a row to write: every value of a new record, the changed ones
    of an existing record (old and new, as a person reads them)."""
    quantity, amount, profit = new[2], _decimal(new[3]), _decimal(new[4])
    if item is None:
        out = {"quantity": ("", display(quantity)), "amount": ("", display(amount))}
        if profit is not None:
            out["profit"] = ("", display(profit))
        return out
    pairs = (("quantity", item.quantity, quantity), ("amount", item.amount, amount), ("profit", item.profit, profit))
    return {name: (display(old), display(value)) for name, old, value in pairs if old != value}
