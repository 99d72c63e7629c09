"""The client record on one A4 page (seed 003 打印, SPEC §9): what the print page shows.

Values are formatted as on the screens (labels for codes, 是/否, dates); the page itself is
``templates/print/client.html`` with an ``@page A4`` print stylesheet.

The page shows only what the user's own lists would show (issue #9, SPEC §1): a section appears
when the user may list its records (``can_list`` on the list screen), and its rows pass the same
row scope (``security.scope.scope_clause``) as that list. A service desk, which lists clients and
contacts but neither tiers nor visits, prints the record and its contacts only.
"""
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup

from backoffice.extensions import db
from backoffice.models import ClientTier, Contact, VisitLog
from backoffice.security.scope import scope_clause
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


def listed(model, list_view, query):
    """The rows of ``query`` as the user's list of ``model`` would show them, or None when the
    user may not list them at all (the section is then left off the page)."""
    if not current_app.appbuilder.sm.has_access("can_list", list_view):
        return None
    clause = scope_clause(model)
    if clause is not None:
        query = query.where(clause)
    return db.session.execute(query).scalars().all()


def _rows(objs, fields):
    return None if objs is None else [[v for _l, v in _formatted(o, fields)] for o in objs]


CONTACT_FIELDS = ["name", "title", "phone", "email", "primary"]
TIER_FIELDS = ["scheme", "tier", "period", "score"]
VISIT_FIELDS = ["visited_at", "staff", "kind", "purpose", "satisfaction"]


def client_print_context(client):
    contacts = listed(Contact, "ContactView", sa.select(Contact).where(Contact.client_id == client.id)
                      .order_by(Contact.primary.desc(), Contact.name))
    tiers = listed(ClientTier, "ClientTierView", sa.select(ClientTier).where(ClientTier.client_id == client.id)
                   .order_by(ClientTier.scheme_id))
    visits = listed(VisitLog, "VisitLogView", sa.select(VisitLog).where(VisitLog.client_id == client.id)
                    .order_by(VisitLog.visited_at.desc()).limit(LAST_VISITS))
    return {
        "client": client,
        "groups": [_formatted(client, group) for group in PRINT_FIELDS],
        "notes": client.notes or "",
        # None: a section the user may not list, left off the page (not shown as empty)
        "contact_columns": [str(LABELS[c]) for c in CONTACT_FIELDS],
        "contacts": _rows(contacts, CONTACT_FIELDS),
        "tier_columns": [str(LABELS[c]) for c in TIER_FIELDS],
        "tiers": _rows(tiers, TIER_FIELDS),
        "visit_columns": [str(LABELS[c]) for c in VISIT_FIELDS],
        "visits": _rows(visits, VISIT_FIELDS),
    }
