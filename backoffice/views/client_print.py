"""The client record on one A4 page (seed 003 打印, SPEC §9): what the print page shows.

Values are formatted as on the screens (labels for codes, 是/否, dates); the page itself is
``templates/print/client.html`` with an ``@page A4`` print stylesheet.
"""
import sqlalchemy as sa
from markupsafe import Markup

from backoffice.extensions import db
from backoffice.models import ClientTier, Contact, VisitLog
from backoffice.views.formatting import formatters_for
from backoffice.views.labels import LABELS

# The record's main fields, grouped as on the show page (views/clients.py show_fieldsets).
PRINT_FIELDS = [
    ["code", "name", "licence_no", "status", "category", "quality", "settlement"],
    ["business_format", "market_type", "region_class", "composite_code", "scale", "service_level", "key_account"],
    ["department", "owner", "area", "route", "address", "phone", "proprietor_birthday", "joined_on"],
]
LAST_VISITS = 5  # what fits on the page beside contacts and tiers


def _text(value):
    if isinstance(value, Markup):
        return value.striptags()
    return "" if value is None else str(value)


def _formatted(obj, fields):
    fmt = formatters_for(type(obj))
    return [(str(LABELS.get(f, f)), _text(fmt.get(f, _text)(getattr(obj, f)))) for f in fields]


def client_print_context(client):
    contacts = db.session.execute(
        sa.select(Contact).where(Contact.client_id == client.id).order_by(Contact.primary.desc(), Contact.name)
    ).scalars().all()
    tiers = db.session.execute(
        sa.select(ClientTier).where(ClientTier.client_id == client.id).order_by(ClientTier.scheme_id)
    ).scalars().all()
    visits = db.session.execute(
        sa.select(VisitLog).where(VisitLog.client_id == client.id)
        .order_by(VisitLog.visited_at.desc()).limit(LAST_VISITS)
    ).scalars().all()
    return {
        "client": client,
        "groups": [_formatted(client, group) for group in PRINT_FIELDS],
        "notes": client.notes or "",
        "contact_columns": [str(LABELS[c]) for c in ("name", "title", "phone", "email", "primary")],
        "contacts": [[v for _l, v in _formatted(c, ["name", "title", "phone", "email", "primary"])] for c in contacts],
        "tier_columns": [str(LABELS[c]) for c in ("scheme", "tier", "period", "score")],
        "tiers": [[v for _l, v in _formatted(t, ["scheme", "tier", "period", "score"])] for t in tiers],
        "visit_columns": [str(LABELS[c]) for c in ("visited_at", "staff", "kind", "purpose", "satisfaction")],
        "visits": [[v for _l, v in _formatted(x, ["visited_at", "staff", "kind", "purpose", "satisfaction"])] for x in visits],
    }
