"""Purchase import (购进记录): client code, month, quantity, amount, optional profit (SPEC §2, §9).

One row per client and month; an existing (client, month) record is updated, only when a value
differs, so importing the same file twice changes nothing. The file can be large (a year of
every client's months): rows are checked in chunks with one query per chunk for the clients
and one for the existing records, and written by ``imports.apply`` in bulk.
"""
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.extensions import db
from backoffice.imports import checks
from backoffice.imports.base import CELL_MESSAGES, Column, RowResult, display
from backoffice.imports.reading import CellError, clean_number, parse_month
from backoffice.models import Client, PurchaseRecord
from backoffice.views.labels import LABELS

COLUMNS = [
    Column("client", _l("Client code"), required=True, example="C0001", aliases=("client_code", "code", "客户编码", "客戶編碼", "客户代码")),
    Column("month", LABELS["month"], required=True, example="2026-11", hint=_l("2026-11, 2026/11, 2026-11-01 or 202611")),
    Column("quantity", LABELS["quantity"], required=True, example="1,200", hint=_l("Whole number")),
    Column("amount", LABELS["amount"], required=True, example="123,456.50", hint=_l("Up to two decimals; 1,234.50 accepted")),
    Column("profit", LABELS["profit"], example="8,000.00", hint=_l("Optional; left as it is when the column is absent")),
]
FIELDS = [c.field for c in COLUMNS]
MONEY_FIELDS = ("amount", "profit")
CENT = Decimal("0.01")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d{1,2})?")
_MAX_MONEY = Decimal("999999999999.99")  # Numeric(14, 2)
_MAX_INT = 2**31 - 1


def _money(text):
    """Money text -> Decimal(2 places) or raises CellError; fast paths for "1234.5" and "1,234.50"."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        if _GROUPED.fullmatch(text):
            value = Decimal(text.replace(",", ""))
        else:
            value = Decimal(clean_number(text))
    if not value.is_finite() or abs(value) > _MAX_MONEY:
        raise CellError("number")
    cents = value.quantize(CENT)
    if cents != value:  # a fraction of a fen is refused, never rounded away
        raise CellError("places")
    return cents


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
    kind = "purchases"
    columns = COLUMNS

    def __init__(self, user, present):
        self.user = user
        self.has_profit = "profit" in present
        self.present = [f for f in FIELDS if f in present]
        self.client_ids = {}  # client code -> id (None: unknown or outside the scope)
        self.months = {}  # month text -> date or CellError code
        self.seen = {}  # (client id, month) -> first row number
        self.staged = None  # set by imports.apply

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
        found = {}
        if not ids or not months:
            return found
        cols = [PurchaseRecord.id, PurchaseRecord.client_id, PurchaseRecord.month,
                PurchaseRecord.quantity, PurchaseRecord.amount, PurchaseRecord.profit]
        for part in checks.chunks(ids):
            q = sa.select(*cols).where(PurchaseRecord.client_id.in_(part), PurchaseRecord.month.in_(months))
            for row in db.session.execute(q):
                found[(row.client_id, row.month)] = row
        return found

    def check(self, frame, result, keeper):
        """Check the rows of ``frame``; record outcomes in ``result``; return the rows to write
        as tuples (client_id, month, quantity, amount, profit, is_new)."""
        n = len(frame)
        rows = [int(i) for i in frame.index]
        codes = [c.strip() for c in frame["client"].tolist()]
        months_text = [m.strip() for m in frame["month"].tolist()]
        qty_text = [q.strip() for q in frame["quantity"].tolist()]
        amt_text = [a.strip() for a in frame["amount"].tolist()]
        profit_text = [p.strip() for p in frame["profit"].tolist()] if self.has_profit else None
        self._resolve_clients(set(codes))
        months = [self._month(t) for t in months_text]
        ids = {self.client_ids.get(c) for c in codes} - {None}
        existing = self._existing(ids, {m for m in months if isinstance(m, dt.date)})
        rules = PurchaseRecord.business_errors
        required = str(CELL_MESSAGES["required"])
        work = []
        for i in range(n):
            errors = {}
            code = codes[i]
            cid = self.client_ids.get(code) if code else None
            if not code:
                errors["client"] = required
            elif cid is None:
                errors["client"] = _("No client with code %(code)s in your scope.", code=code)
            month = months[i]
            if not months_text[i]:
                errors["month"] = required
            elif not isinstance(month, dt.date):
                errors["month"] = str(CELL_MESSAGES[month])
            values = {"client_id": cid, "month": month}
            for name, texts, convert in (("quantity", qty_text, _quantity), ("amount", amt_text, _money)):
                text = texts[i]
                if not text:
                    errors[name] = required
                    continue
                try:
                    values[name] = convert(text)
                except (CellError, InvalidOperation) as exc:
                    errors[name] = str(CELL_MESSAGES[getattr(exc, "code", "number")])
            if profit_text is not None:
                text = profit_text[i]
                try:
                    values["profit"] = _money(text) if text else None
                except (CellError, InvalidOperation) as exc:
                    errors["profit"] = str(CELL_MESSAGES[getattr(exc, "code", "number")])
            key = (cid, month)
            item = None
            if "client" not in errors and "month" not in errors:
                first = self.seen.get(key)
                if first is not None:
                    errors["month"] = checks.duplicate_key_error(first)
                else:
                    self.seen[key] = rows[i]
                    item = existing.get(key)
            if not errors:
                # The record's own rules (the same call the forms and the API make).
                errors = rules(values, item)
            if errors:
                ordered = sorted(errors.items(), key=lambda p: FIELDS.index(p[0]) if p[0] in FIELDS else 9)
                result.add(RowResult(rows[i], _label(code, month, months_text[i]), "reject", errors=ordered),
                           keep=keeper("reject"))
                continue
            profit = values.get("profit") if self.has_profit else (item.profit if item is not None else None)
            new = (cid, month, values["quantity"], values["amount"], profit)
            if item is None:
                action = "create"
                changes = {} if not keeper.wants(action) else {
                    "quantity": ("", display(new[2])), "amount": ("", display(new[3])),
                    **({"profit": ("", display(profit))} if profit is not None else {}),
                }
            else:
                changes = {}
                for name, old, value in (("quantity", item.quantity, new[2]), ("amount", item.amount, new[3]),
                                         ("profit", item.profit, profit)):
                    if old != value:
                        changes[name] = (display(old), display(value))
                action = "update" if changes else "unchanged"
            if keeper.wants(action):
                result.add(RowResult(rows[i], _label(code, month, months_text[i]), action, changes=changes),
                           keep=keeper(action))
            else:
                result.count(action)
            if action != "unchanged":
                work.append(new + (item is None,))
        return work
