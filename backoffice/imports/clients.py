"""Client import (客户档案): one row per client, created or updated by client code (SPEC §2, §9).

A row becomes the same values a client form would submit (codes or labels for coded values,
department by code, business format by code or name, client manager by employee number or
login name) and passes the same rules: ``Client.business_errors`` row by row, uniqueness and
row scope in bulk (``imports.checks``). Columns missing from the file are left as they are on
existing clients; an empty cell in a present column clears the value (as an empty form field).
"""
from dataclasses import dataclass

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.extensions import db
from backoffice.imports import checks
from backoffice.imports.base import CELL_MESSAGES, Column, RowResult, choice_aliases, display, length_limit
from backoffice.imports.reading import CellError, normalise_header, parse_bool, parse_date
from backoffice.models import BusinessFormat, Client, Department, Staff
from backoffice.models.uniqueness import item_values
from backoffice.security.scope import outside_scope_message
from backoffice.models.choices import (
    ClientCategory, ClientQuality, ClientStatus, MarketType, RegionClass, Settlement,
)
from backoffice.labels import LABELS

COLUMNS = [
    Column("code", _l("Client code"), required=True, example="C0001", aliases=("client_code", "客户编码", "客戶編碼", "客户代码")),
    Column("name", _l("Client name"), example="城东食杂店", aliases=("client_name", "客户名称", "客戶名稱")),
    Column("licence_no", LABELS["licence_no"], example="110101000001"),
    Column("status", LABELS["status"], example="active", hint=_l("active / inactive, or the label")),
    Column("business_format", LABELS["business_format"], example="Z", hint=_l("Business format code or name")),
    Column("market_type", LABELS["market_type"], example="C", hint=_l("C (urban) or X (rural)")),
    Column("region_class", LABELS["region_class"], example="city_a", hint=_l("city_a / city_b / town / rural, or the label")),
    Column("category", LABELS["category"], example="other"),
    Column("quality", LABELS["quality"], example="good"),
    Column("settlement", LABELS["settlement"], example="cash"),
    Column("department", LABELS["department"], example="D1", hint=_l("Department code"), aliases=("department_code",)),
    Column("owner", LABELS["owner"], example="T004", hint=_l("Employee number or login name"), aliases=("owner_employee_no",)),
    Column("area", LABELS["area"], example="城东片区"),
    Column("route", LABELS["route"], example="1号线"),
    Column("address", LABELS["address"], example="城东路1号"),
    Column("phone", LABELS["phone"], example="13800000000"),
    Column("proprietor_birthday", LABELS["proprietor_birthday"], example="1980-05-01", hint=_l("Date, e.g. 2026-11-22")),
    Column("joined_on", LABELS["joined_on"], example="2020-01-01", hint=_l("Date, e.g. 2026-11-22")),
    Column("development_potential", LABELS["development_potential"], example="否", hint=_l("是 / 否 (yes / no)")),
    Column("notes", LABELS["notes"], example=""),
]
FIELDS = [c.field for c in COLUMNS]
KEY = "code"
OTHER_UNIQUE_KEYS = checks.other_unique_keys(Client, (KEY,))

CHOICES = {
    "status": ClientStatus, "market_type": MarketType, "region_class": RegionClass,
    "category": ClientCategory, "quality": ClientQuality, "settlement": Settlement,
}
DATES = ("proprietor_birthday", "joined_on")
BOOLS = ("development_potential",)
RELATIONS = {"department": Department, "owner": Staff, "business_format": BusinessFormat}


def required_for_new():
    """Fields a new client must have: the table's NOT NULL columns without a default (FKs by
    their relation), read from the model so the import cannot drift from the schema."""
    fk_to_rel = {"department_id": "department", "business_format_id": "business_format", "owner_id": "owner"}
    out = []
    for col in Client.__table__.columns:
        if col.primary_key or col.nullable or col.default is not None or col.server_default is not None:
            continue
        name = fk_to_rel.get(col.name, col.name)
        if name in FIELDS:
            out.append(name)
    return out


@dataclass
class Lookups:
    """Reference data a client row may name, loaded once per import (small tables)."""

    departments: dict
    formats: dict
    staff: dict
    choices: dict

    @classmethod
    def load(cls):
        s = db.session
        departments = {}
        for d in s.execute(sa.select(Department)).scalars():
            departments[normalise_header(d.code)] = d
        names = {}
        for d in departments.values():
            names.setdefault(normalise_header(d.name), []).append(d)
        for key, found in names.items():  # a name names a department only when it is unambiguous
            if len(found) == 1:
                departments.setdefault(key, found[0])
        formats = {}
        for f in s.execute(sa.select(BusinessFormat)).scalars():
            formats[normalise_header(f.code)] = f
            formats.setdefault(normalise_header(f.name), f)
        staff = {}
        rows = s.execute(sa.select(Staff, User.username).outerjoin(User, User.id == Staff.user_id)).all()
        for member, username in rows:
            staff[normalise_header(member.employee_no)] = member
            if username:
                staff.setdefault(normalise_header(username), member)
        return cls(departments, formats, staff, {k: choice_aliases(e) for k, e in CHOICES.items()})


def _ref_message(name, text):
    if name == "department":
        return _("No department with code %(code)s.", code=text)
    if name == "owner":
        return _("No staff member with employee number or login %(code)s.", code=text)
    return _("No business format %(code)s.", code=text)


def parse_row(raw, lookups):
    """Cell texts of one row (field -> str, only the file's columns) -> (values, errors)."""
    values, errors = {}, {}
    for name, text in raw.items():
        text = text.strip()
        try:
            if name in CHOICES:
                if not text:
                    values[name] = None
                    continue
                member = lookups.choices[name].get(normalise_header(text))
                if member is None:
                    allowed = " / ".join(f"{m.value} ({m.label})" for m in CHOICES[name])
                    errors[name] = _("Not one of: %(choices)s.", choices=allowed)
                else:
                    values[name] = member
            elif name in RELATIONS:
                if not text:
                    values[name] = None
                    continue
                table = {"department": lookups.departments, "owner": lookups.staff,
                         "business_format": lookups.formats}[name]
                target = table.get(normalise_header(text))
                if target is None:
                    errors[name] = _ref_message(name, text)
                else:
                    values[name] = target
            elif name in DATES:
                values[name] = parse_date(text) if text else None
            elif name in BOOLS:
                values[name] = parse_bool(text)
            else:
                limit = length_limit(Client, name)
                if limit and len(text) > limit:
                    errors[name] = _("At most %(n)s characters.", n=limit)
                values[name] = text or None
        except CellError as exc:
            errors[name] = str(CELL_MESSAGES[exc.code])
    return values, errors


def _same(old, new):
    if hasattr(old, "id") and hasattr(new, "id"):
        return old.id == new.id
    return getattr(old, "value", old) == getattr(new, "value", new)


class ClientPlanner:
    """Checks a client file chunk by chunk (state across chunks: lookups, codes seen), and writes."""

    kind = "clients"
    columns = COLUMNS

    def __init__(self, user, present):
        self.user = user
        self.present = [f for f in FIELDS if f in present]
        self.lookups = Lookups.load()
        self.must_have = required_for_new()
        self.seen_codes = {}
        self.pending = []

    def check(self, frame, result, keeper):
        """Check the rows of ``frame`` (index = spreadsheet row, cells = text); record each
        row's outcome in ``result``; return the writes [(values, existing or None)]."""
        records = frame[self.present].to_dict("records")
        part = list(zip(frame.index, records))
        codes = {r[KEY].strip() for _n, r in part if r[KEY].strip()}
        existing = {}
        for chunk in checks.chunks(codes):
            existing.update(
                (c.code, c) for c in db.session.execute(sa.select(Client).where(Client.code.in_(chunk))).scalars()
            )
        writable = checks.in_scope_ids(Client, {c.id for c in existing.values()}, self.user)
        parsed = [(int(n), raw, *parse_row(raw, self.lookups)) for n, raw in part]
        # Scope of what the rows link to (department, client manager), one query per relation.
        linked = {}
        for rel, model in RELATIONS.items():
            ids = {v[rel].id for _n, _r, v, _e in parsed if v.get(rel) is not None}
            linked[rel] = checks.in_scope_ids(model, ids, self.user)
        work = []
        for number, raw, values, errors in parsed:
            code = raw[KEY].strip()
            row, change, item = _check_row(
                number, code, values, errors, existing.get(code), writable, linked, self.seen_codes, self.must_have,
            )
            result.add(row, keep=keeper(row.action))
            if change is not None:
                work.append((change, item))
        return work

    def stage(self, work):
        # Written at the end, after every row was checked: the check phase holds no write
        # lock, so a job's progress reaches the job-run row even on SQLite.
        self.pending.extend(work)

    def finish(self):
        apply(self.pending)
        self.pending = []


def _check_row(number, code, values, errors, item, writable, linked, seen_codes, must_have):
    if not code:
        errors[KEY] = str(CELL_MESSAGES["required"])
    elif code in seen_codes:
        errors[KEY] = checks.duplicate_key_error(seen_codes[code])
    else:
        seen_codes[code] = number
    for rel in RELATIONS:
        target = values.get(rel)
        if target is not None and target.id not in linked[rel] and rel not in errors:
            errors[rel] = outside_scope_message()
    if item is not None and item.id not in writable:
        errors.setdefault(KEY, _("Client %(code)s exists but is outside your scope.", code=code))
    if item is None:
        for name in must_have:
            if values.get(name) is None and name not in errors:
                errors[name] = str(CELL_MESSAGES["required_new"])
    else:
        for name in must_have:  # an existing client's required field may not be cleared
            if name in values and values[name] is None and name not in errors:
                errors[name] = str(CELL_MESSAGES["required"])
    if not errors:
        # The model's own rules, on the record as it would be saved (as the form does).
        full = item_values(item) if item is not None else {}
        full.update(values)
        with db.session.no_autoflush:
            errors.update(Client.business_errors(full, item))
            if OTHER_UNIQUE_KEYS:  # the forms' check, for unique keys other than the code
                errors.update(checks.unique_errors_beyond_key(Client, (KEY,), full, item))
    if errors:
        return RowResult(number, code, "reject", errors=sorted(errors.items(), key=_field_order)), None, None
    if item is None:
        changes = {k: ("", display(v)) for k, v in values.items() if v is not None}
        return RowResult(number, code, "create", changes=changes), values, None
    changes = {k: (display(getattr(item, k)), display(v)) for k, v in values.items() if not _same(getattr(item, k), v)}
    if not changes:
        return RowResult(number, code, "unchanged"), None, item
    return RowResult(number, code, "update", changes=changes), {k: values[k] for k in changes}, item


def _field_order(pair):
    return FIELDS.index(pair[0]) if pair[0] in FIELDS else len(FIELDS)


def apply(work, batch=1000):
    """Create and update clients through the ORM (derived columns and the change log follow
    the ORM's own hooks), flushing in batches. ``work``: [(values, existing or None)]."""
    s = db.session
    pending = 0
    for values, item in work:
        if item is None:
            s.add(Client(**values))
        else:
            for k, v in values.items():
                setattr(item, k, v)
        pending += 1
        if pending % batch == 0:
            s.flush()
    s.flush()
