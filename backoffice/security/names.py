"""How a person and a role are named on screen (issue #11).

FAB writes a user as "first_name last_name" ("建国 王" for 王建国). Our users keep the given name in
``first_name`` and the family name in ``last_name`` (``demo.py`` passes ``given, surname`` to
``add_user``), so a Chinese name reads family name first with no space (王建国) and a Latin one
keeps "First Last". Role names are permission keys (Admin, DeptHead ...); people read them in
their language. ``install`` applies both to FAB's User and Role models, once, from create_app.
"""
import re

from flask_babel import lazy_gettext as _l

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# SPEC §1 roles, as people call them.
ROLE_LABELS = {
    "Admin": _l("Administrator"),
    "DeptHead": _l("Department head"),
    "ClientManager": _l("Client manager"),
    "ServiceDesk": _l("Service desk"),
    "BackOffice": _l("Back office"),
    "Viewer": _l("Viewer"),
    "Public": _l("Public"),
}


# FAB's security screens (groups, roles, permissions, user statistics) name some columns only by
# prettifying the attribute ("Label", "Users"), which no catalogue translates.
SECURITY_LABELS = {
    "name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
    "users": _l("Users"), "roles": _l("Roles"), "groups": _l("Groups"), "user": _l("User"),
    "role": _l("Role"), "permissions": _l("Permissions"), "permission": _l("Permission"),
    "view_menu": _l("View/Menu"), "first_name": _l("First Name"), "last_name": _l("Last Name"),
    "active": _l("Is Active?"), "created_on": _l("Created on"), "changed_on": _l("Changed on"),
    "last_login": _l("Last login"), "login_count": _l("Login count"),
    "fail_login_count": _l("Failed login count"), "username": _l("User Name"), "email": _l("Email"),
}


def full_name(given, family):
    """王 + 建国 -> 王建国; John + Smith -> "John Smith"; either part may be missing."""
    given, family = (given or "").strip(), (family or "").strip()
    if CJK.search(given + family):
        return f"{family}{given}"
    return " ".join(p for p in (given, family) if p)


def role_label(name):
    label = ROLE_LABELS.get(name)
    return str(label) if label is not None else name


def _roles_text(roles):
    return "、".join(role_label(r.name) for r in roles or [])


def _rebuild_forms(view):
    """FAB built the view's forms with the labels it had at init (baked into the fields)."""
    from flask_appbuilder.forms import GeneralModelConverter

    if getattr(view, "search_form", None) is None or not hasattr(view, "datamodel"):
        return
    conv = GeneralModelConverter(view.datamodel)
    view.search_form = conv.create_form(
        view.label_columns, view.search_columns, extra_fields=view.search_form_extra_fields,
        filter_rel_fields=view.search_form_query_rel_fields)
    if "label_columns" not in type(view).__dict__:  # FAB's group view: every label prettified
        for kind in ("add", "edit"):
            columns = getattr(view, f"{kind}_columns", None)
            if columns and f"{kind}_form" not in type(view).__dict__:
                setattr(view, f"{kind}_form", conv.create_form(
                    view.label_columns, columns,
                    extra_fields=getattr(view, f"{kind}_form_extra_fields", None),
                    filter_rel_fields=getattr(view, f"{kind}_form_query_rel_fields", None)))


def install(appbuilder):
    """Family name first and translated role names wherever FAB prints a user or a role."""
    from flask_appbuilder.security.sqla.models import Role, User

    from backoffice.formatting import formatters_for

    User.get_full_name = lambda self: full_name(self.first_name, self.last_name)
    User.__repr__ = lambda self: self.get_full_name()
    Role.__repr__ = lambda self: role_label(self.name)
    Role.__str__ = Role.__repr__

    # FAB's own user and role screens: 是/否, no "None", role names people read.
    sm = appbuilder.sm
    for view in appbuilder.baseviews:
        if type(view).__module__.startswith("flask_appbuilder.security") and hasattr(view, "label_columns"):
            # FAB has filled every column it shows by now, untranslatable ones as plain prettified str
            current = view.label_columns or {}
            view.label_columns = {**current, **{k: v for k, v in SECURITY_LABELS.items()
                                                if type(current.get(k, "")) is str}}
            _rebuild_forms(view)
        for chart in getattr(view, "definitions", None) or []:  # the user statistics charts
            if type(chart.get("label")) is str:
                chart["label"] = SECURITY_LABELS.get(chart.get("series", [""])[0], chart["label"])
        if not hasattr(view, "formatters_columns"):
            continue
        model = getattr(getattr(view, "datamodel", None), "obj", None)
        if model is sm.user_model:
            view.formatters_columns = {**formatters_for(model), "roles": _roles_text,
                                       **(view.formatters_columns or {})}
        elif model is sm.role_model:
            view.formatters_columns = {**(view.formatters_columns or {}), "name": role_label}
