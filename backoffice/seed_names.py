"""The seeded reference data in the user's language (issue #11).

The rows ``seed.py`` (and the demo company, ``demo.py``) create carry one stored name, in
Simplified Chinese, the language of the documents they come from. Rather than three name columns
the administrators would have to keep in step, a seeded name is a message of the catalogue:
``SEEDED`` maps the stored Simplified name to its English msgid, and zh / zh_Hant_HK translate it
back to the Simplified and Traditional names. Keyed by the stored name, not the code, so a row an
administrator has renamed shows exactly what they typed, in every language.

Screens call ``localised`` through the records' ``__str__`` (relation cells, select options) and
the ``name`` formatter of these models' own screens. ``__repr__`` is left alone: the change log and
the imports store and compare it, and stored text must not depend on who was signed in.
"""
from flask import has_request_context
from flask_babel import lazy_gettext as _l

SEEDED = {
    # business formats (SPEC §3, seed.BUSINESS_FORMATS)
    "食杂店": _l("Grocery store"), "便利店": _l("Convenience store"), "超市": _l("Supermarket"),
    "烟酒商店": _l("Tobacco and liquor shop"), "娱乐服务类": _l("Entertainment and services"),
    "商场": _l("Shopping mall"), "其他": _l("Other format"),
    # tier schemes and tiers (seed.TIER_SCHEMES)
    "年度购进等级 A-D": _l("Annual purchase tier A-D"), "经营规模 1/2/3": _l("Business scale 1/2/3"),
    "服务级别 A/B/C": _l("Service level A/B/C"), "大客户": _l("Key account"),
    "A 级": _l("Tier A"), "B 级": _l("Tier B"), "C 级": _l("Tier C"), "D 级": _l("Tier D"),
    "大": _l("Large"), "中": _l("Medium"), "小": _l("Small"),
    "A 级服务": _l("Service tier A"), "B 级服务": _l("Service tier B"), "C 级服务": _l("Service tier C"),
    # appraisal templates and items (SPEC §6, seed.APPRAISAL_TEMPLATES)
    "销售人员月度考核": _l("Monthly appraisal of sales staff"),
    "内勤人员月度考核": _l("Monthly appraisal of office staff"),
    "业绩": _l("Results"), "能力": _l("Ability"), "态度": _l("Attitude"), "工作量": _l("Workload"),
    "工作态度": _l("Work attitude"), "工作能力": _l("Work ability"), "工作效果": _l("Work effectiveness"),
    # the standard questionnaire (SPEC §7, surveys/seed.py)
    "客户满意度调查（标准）": _l("Client satisfaction survey (standard)"),
    # the demo company's departments (demo.DEPARTMENTS)
    "营销中心": _l("Marketing centre"), "城区营销部": _l("City marketing department"),
    "城东服务组": _l("East city service team"), "郊区营销部": _l("Suburban marketing department"),
    "县域营销部": _l("County marketing department"),
}


def localised(name):
    """A seeded name in the session's language; any other name as it is stored."""
    label = SEEDED.get(name) if isinstance(name, str) and has_request_context() else None
    return str(label) if label is not None else name


def _models():
    from backoffice import models as m

    return (m.BusinessFormat, m.TierScheme, m.Tier, m.AppraisalTemplate, m.AppraisalItem,
            m.Questionnaire, m.Department)


def install(appbuilder):
    """Seeded names through ``__str__`` and the ``name`` column of the models' own screens."""
    models = _models()
    for model in models:
        def __str__(self, _repr=model.__repr__):
            text = _repr(self)
            name = getattr(self, "name", None)
            return text.replace(name, localised(name)) if name and name in SEEDED else text

        model.__str__ = __str__
    for view in appbuilder.baseviews:
        model = getattr(getattr(view, "datamodel", None), "obj", None)
        if model in models and hasattr(view, "formatters_columns"):
            previous = (view.formatters_columns or {}).get("name")
            view.formatters_columns = {
                **(view.formatters_columns or {}),
                "name": (lambda v, p=previous: localised(p(v) if p else v)),
            }
