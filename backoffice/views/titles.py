"""Page titles and related-view tabs in the user's language (issue #11).

FAB builds ``list_title`` / ``show_title`` / ``add_title`` / ``edit_title`` as "List " + the class
name ("List Visit Log") when a view sets none, and a related view's tab shows its ``title`` (the
list title). Every screen of ours takes them from its menu label instead, translated at each
request; views without a menu entry (related views only) name their records in ``NO_MENU``.
A view that sets a title itself keeps it.
"""
from flask_babel import LazyString, gettext as _, lazy_gettext as _l

# Views reached only as a tab of another record: the records they list.
NO_MENU = {
    "TierView": _l("Tiers"),
    "VisitPlanItemView": _l("Plan items"),
    "AppraisalItemView": _l("Appraisal items"),
    "AppraisalScoreView": _l("Scores"),
    "SurveyQuestionView": _l("Questions"),
}


def _menu_label(view):
    menu = getattr(view.appbuilder, "menu", None)
    for item in (menu.get_list() if menu else []):
        for entry in [item, *(item.childs or [])]:
            if entry.baseview is view and entry.label:
                return entry.label
    return NO_MENU.get(type(view).__name__)


def _label(view):
    label = view.__dict__.get("_menu_label_cache")
    if label is None:
        label = _menu_label(view)
        if label is None:  # not registered yet (no request has been served): do not cache
            return view._prettify_name(view.datamodel.obj.__name__)
        view.__dict__["_menu_label_cache"] = label
    return str(label)


def install_titles(view):
    """Give ``view`` translated titles, except those its class sets itself."""
    titles = {
        "list_title": lambda: _label(view),
        "show_title": lambda: _("%(things)s · Details", things=_label(view)),
        "add_title": lambda: _("%(things)s · New", things=_label(view)),
        "edit_title": lambda: _("%(things)s · Edit", things=_label(view)),
    }
    for attr, make in titles.items():
        if not getattr(type(view), attr, ""):
            setattr(view, attr, LazyString(make))
    view.title = view.list_title
