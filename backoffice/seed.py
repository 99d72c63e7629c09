"""Reference data every installation starts with (SPEC §3, §6); idempotent, keyed by code.

Admins edit these rows afterwards; re-running never overwrites their edits.
"""
from decimal import Decimal

import sqlalchemy as sa

from backoffice.extensions import db
from backoffice.models import AppraisalItem, AppraisalTemplate, BusinessFormat, SlaPolicy, Tier, TierScheme
from backoffice.rules.service_level import ENTITLEMENTS
from backoffice.surveys.seed import seed_questionnaire

# SPEC §3: Z 食杂店 verified (seed 004); the others marked unverified.
BUSINESS_FORMATS = [
    ("Z", "食杂店", True),
    ("B", "便利店", False),
    ("S", "超市", False),
    ("Y", "烟酒商店", False),
    ("F", "娱乐服务类", False),
    ("M", "商场", False),
    ("Q", "其他", False),
]

# (code, name, kind, period, source, tiers[(code, name, rank, min_amount, visit_interval, entitlements)])
TIER_SCHEMES = [
    ("ANNUAL", "年度购进等级 A-D", "annual_amount", "year", "seed 000 团队客户管理制度", [
        ("A", "A 级", 1, Decimal("1000000"), None, None),
        ("B", "B 级", 2, Decimal("500000"), None, None),
        ("C", "C 级", 3, Decimal("100000"), None, None),
        ("D", "D 级", 4, Decimal("0"), None, None),
    ]),
    ("SCALE", "经营规模 1/2/3", "business_scale", "quarter", "seed 004 第六条", [
        ("1", "大", 1, None, None, None),
        ("2", "中", 2, None, None, None),
        ("3", "小", 3, None, None, None),
    ]),
    ("SERVICE", "服务级别 A/B/C", "service_level", "quarter", "seed 004 第七条", [
        ("A", "A 级服务", 1, None, 7, None),
        ("B", "B 级服务", 2, None, 7, None),
        ("C", "C 级服务", 3, None, 14, None),
    ]),
    ("KEY", "大客户", "key_account", "year", "seed 001", [
        ("KEY", "大客户", 1, Decimal("1000000"), None, None),
    ]),
]

# SPEC §6 seeded templates: items summing to 100.
APPRAISAL_TEMPLATES = [
    ("SALES_M", "销售人员月度考核", "client_manager", [("业绩", 60), ("能力", 20), ("态度", 20)]),
    ("CLERK_M", "内勤人员月度考核", "clerk", [("工作量", 20), ("工作态度", 30), ("工作能力", 40), ("工作效果", 10)]),
]


# SPEC §4 seeded SLA policies: (code, name, type, class, severity, first response (unit, amount),
# resolution (unit, amount), active, source). Class / severity None = any. "The same day" stores 1.
SLA_POLICIES = [
    ("COMPLAINT", "投诉（默认）：1 个工作日内处理并反馈", "complaint", None, None,
     ("working_days", 1), ("working_days", 1), True, "seed 004 第十七条"),
    ("COMPLAINT_PRODUCT", "产品质量投诉：当日报告，3 个工作日内提出解决方案", "complaint", "product", None,
     ("same_day", 1), ("working_days", 3), True, "seed 002"),
    ("COMPLAINT_ALT", "投诉（备选）：1 个工作日内联系，7 个工作日内答复", "complaint", None, None,
     ("working_days", 1), ("working_days", 7), False, "seed 003"),
    ("INQUIRY", "咨询：24 小时内首次答复", "inquiry", None, None, ("hours", 24), ("hours", 24), True, "seed 000"),
    ("OPINION", "意见：24 小时内首次答复", "opinion", None, None, ("hours", 24), ("hours", 24), True, "seed 000"),
    ("SUGGESTION", "建议：24 小时内首次答复", "suggestion", None, None, ("hours", 24), ("hours", 24), True, "seed 000"),
    # [decision] the seeds give no deadline for these two: a report like a complaint, a service
    # request answered within a working day and done within three.
    ("REPORT", "举报：1 个工作日内处理并反馈", "report", None, None,
     ("working_days", 1), ("working_days", 1), True, "decision"),
    ("SERVICE_REQUEST", "报事：1 个工作日内响应，3 个工作日内办结", "service_request", None, None,
     ("working_days", 1), ("working_days", 3), True, "decision"),
]


def seeded_policy_terms():
    """The seeded policies as plain values (the demo company plans with them, no database)."""
    from backoffice.rules.working_calendar import PolicyTerms

    return [PolicyTerms(code, ttype, cls, sev, fr[0], fr[1], res[0], res[1])
            for code, _n, ttype, cls, sev, fr, res, active, _s in SLA_POLICIES if active]


def seed_sla(session):
    """SLA policies and the working-day calendar (SPEC §4); idempotent, admins' edits kept."""
    from backoffice.services.calendar import seed_calendar

    for code, name, ttype, cls, sev, fr, res, active, source in SLA_POLICIES:
        if session.execute(sa.select(SlaPolicy.id).where(SlaPolicy.code == code)).first() is None:
            session.add(SlaPolicy(
                code=code, name=name, ticket_type=ttype, complaint_class=cls, severity=sev,
                first_response_unit=fr[0], first_response_amount=fr[1], resolution_unit=res[0],
                resolution_amount=res[1], active=active, source=source,
            ))
    seed_calendar(session)


def _entitlements():
    # One service per line, every sub-tier (日常, 特色, 延伸) in the source's order; joining the
    # sub-tier dict itself stored "daily\nfeatured\nextended" (issue #13; fixed in 0009_visits).
    return {k: "\n".join(s for group in v.values() for s in group) for k, v in ENTITLEMENTS.items()}


def seed_reference_data():
    session = db.session
    for code, name, verified in BUSINESS_FORMATS:
        if session.execute(sa.select(BusinessFormat).where(BusinessFormat.code == code)).scalar() is None:
            session.add(BusinessFormat(code=code, name=name, verified=verified))
    ent = _entitlements()
    for code, name, kind, period, source, tiers in TIER_SCHEMES:
        scheme = session.execute(sa.select(TierScheme).where(TierScheme.code == code)).scalar()
        if scheme is None:
            scheme = TierScheme(code=code, name=name, kind=kind, period_kind=period, source=source)
            session.add(scheme)
            for t_code, t_name, rank, min_amount, interval, _e in tiers:
                scheme.tiers.append(Tier(
                    code=t_code, name=t_name, rank=rank, min_amount=min_amount,
                    visit_interval_days=interval,
                    entitlements=ent.get(t_code) if kind == "service_level" else None,
                ))
    for code, name, position, items in APPRAISAL_TEMPLATES:
        if session.execute(sa.select(AppraisalTemplate).where(AppraisalTemplate.code == code)).scalar() is None:
            tpl = AppraisalTemplate(code=code, name=name, position=position)
            for order, (item_name, points) in enumerate(items, 1):
                tpl.items.append(AppraisalItem(name=item_name, max_points=points, sort_order=order))
            session.add(tpl)
    seed_questionnaire(session)  # SPEC §7 standard survey questionnaire
    seed_sla(session)
    session.commit()
