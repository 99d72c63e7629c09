"""Survey figures (SPEC §7): response rate and satisfaction rate per campaign, question,
dimension, department, staff member and service level, held against the targets (supply ≥ 80 %,
outcome ≥ 85 %, top purchasers 100 %; seed 004, seed 002).

Every figure comes from a GROUP BY query (never a loop over answers); the campaign's
survey_result rows are replaced in one transaction, so re-running gives the same rows and a
reader never sees half of them.

Satisfied [decision, SPEC §7]: on the 1-5 scale a 4 or a 5. A question an admin puts on another
scale counts the top quarter of its range: (score - min) × 4 ≥ 3 × (max - min).
"""
import logging

import sqlalchemy as sa

from backoffice.clock import business_now
from backoffice.extensions import db
from backoffice.jobs import JobRefused, launch
from backoffice.models import Client, Department, Staff, SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResult
from backoffice.rules.sampling import campaign_target, rate

log = logging.getLogger(__name__)
AGGREGATE_KIND = "surveys.aggregate"
GROUPINGS = ("campaign", "dimension", "question", "department", "service_level", "staff")
NONE_KEY = "-"

A, I, Q, C = SurveyAnswer, SurveyInvitation, SurveyQuestion, Client


def satisfied_expr():
    return sa.case(((A.score - Q.min_score) * 4 >= (Q.max_score - Q.min_score) * 3, 1), else_=0)


def _answer_figures(session, campaign_id, *keys, join_client=False):
    """[(keys..., responded, answers, satisfied)] grouped by ``keys`` (SQL expressions)."""
    q = (
        sa.select(
            *keys,
            sa.func.count(sa.distinct(A.invitation_id)),
            sa.func.count(A.id),
            sa.func.coalesce(sa.func.sum(satisfied_expr()), 0),
        )
        .select_from(A)
        .join(I, I.id == A.invitation_id)
        .join(Q, Q.id == A.question_id)
        .where(I.campaign_id == campaign_id)
    )
    if join_client:
        q = q.join(C, C.id == I.client_id)
    if keys:
        q = q.group_by(*keys)
    return session.execute(q).all()


def _invited(session, campaign_id, key=None):
    q = sa.select(*([key] if key is not None else []), sa.func.count(I.id)).where(I.campaign_id == campaign_id)
    if key is not None:
        q = q.join(C, C.id == I.client_id).group_by(key)
        return {row[0]: row[1] for row in session.execute(q)}
    return session.execute(q).scalar() or 0


def compute(session, campaign):
    """The campaign's figure rows as dicts (not yet stored)."""
    kind = getattr(campaign.kind, "value", campaign.kind)
    cid = campaign.id
    rows = []

    def add(grouping, key, label, invited, responded, answers, satisfied, target):
        rows.append({
            "campaign_id": cid, "grouping": grouping, "key": str(key)[:80], "label": str(label)[:200],
            "invited": int(invited or 0), "responded": int(responded or 0),
            "answers": int(answers or 0), "satisfied": int(satisfied or 0),
            "satisfaction_rate": rate(int(satisfied or 0), int(answers or 0)),
            "response_rate": rate(int(responded or 0), int(invited or 0)) if invited else None,
            "target": target,
        })

    invited = _invited(session, cid)
    # Campaign as a whole: the outcome target, or the campaign's own (top purchasers: 100 %).
    (responded, answers, satisfied), = [r[-3:] for r in _answer_figures(session, cid)] or [(0, 0, 0)]
    add("campaign", "all", campaign.name, invited, responded, answers, satisfied,
        campaign.target_rate if campaign.target_rate is not None else campaign_target(kind))

    # Per dimension and per question of the campaign's questionnaire (unanswered ones show 0).
    by_dim = {getattr(d, "value", d): r for d, *r in _answer_figures(session, cid, Q.dimension)}
    questions = session.execute(
        sa.select(Q).where(Q.questionnaire_id == campaign.questionnaire_id).order_by(Q.position, Q.id)
    ).scalars().all()
    dims = []
    for q in questions:
        d = getattr(q.dimension, "value", q.dimension)
        if d not in dims:
            dims.append(d)
    dims += [d for d in by_dim if d not in dims]
    for d in dims:
        r = by_dim.get(d, (0, 0, 0))
        add("dimension", d, d, invited, *r, campaign_target(kind, d))
    by_question = {qid: r for qid, *r in _answer_figures(session, cid, A.question_id)}
    for q in questions:
        r = by_question.pop(q.id, (0, 0, 0))
        add("question", q.code, q.text_zh, invited, *r, campaign_target(kind, getattr(q.dimension, "value", q.dimension)))
    for qid, r in by_question.items():  # answers to questions since moved to another questionnaire
        q = session.get(SurveyQuestion, qid)
        add("question", q.code if q else qid, q.text_zh if q else qid, invited, *r,
            campaign_target(kind, getattr(q.dimension, "value", q.dimension) if q else None))

    # Per department and service level of the client (invited counted the same way).
    dept_names = {k: v for k, v in session.execute(sa.select(Department.id, Department.name))}
    inv_dept = _invited(session, cid, C.department_id)
    ans_dept = {k: r for k, *r in _answer_figures(session, cid, C.department_id, join_client=True)}
    for k in sorted(set(inv_dept) | set(ans_dept), key=lambda v: (v is None, v)):
        add("department", k if k is not None else NONE_KEY, dept_names.get(k, NONE_KEY),
            inv_dept.get(k, 0), *ans_dept.get(k, (0, 0, 0)), campaign_target(kind))
    inv_level = _invited(session, cid, C.service_level)
    ans_level = {k: r for k, *r in _answer_figures(session, cid, C.service_level, join_client=True)}
    for k in sorted(set(inv_level) | set(ans_level), key=lambda v: (v is None, str(v))):
        code = getattr(k, "value", k)
        add("service_level", code or NONE_KEY, code or NONE_KEY,
            inv_level.get(k, 0), *ans_level.get(k, (0, 0, 0)), campaign_target(kind))

    # Per staff member rated (the staff of the role serving the client when answering).
    staff_names = {k: v for k, v in session.execute(sa.select(Staff.id, Staff.name))}
    for sid, resp, ans, sat in _answer_figures(session, cid, A.staff_id):
        if sid is None:
            continue
        add("staff", sid, staff_names.get(sid, sid), 0, resp, ans, sat, campaign_target(kind))
    return rows


def recompute(session, campaign, run_id=None):
    """Replace the campaign's survey_result rows in one transaction; returns a short summary."""
    rows = compute(session, campaign)
    stamp = business_now()  # shown as "统计于": business time (README: How times are stored)
    for r in rows:
        r["computed_at"], r["run_id"] = stamp, run_id
    session.execute(sa.delete(SurveyResult).where(SurveyResult.campaign_id == campaign.id))
    if rows:
        session.execute(sa.insert(SurveyResult), rows)
    session.commit()
    overall = next(r for r in rows if r["grouping"] == "campaign")
    return {
        "campaign": campaign.id,
        "rows": len(rows),
        "invited": overall["invited"],
        "responded": overall["responded"],
        "answers": overall["answers"],
        "satisfaction_rate": str(overall["satisfaction_rate"]) if overall["satisfaction_rate"] is not None else None,
    }


def launch_aggregation(campaign, user=None, *, quiet=False):
    """Ask for the campaign's results to be recomputed ("surveys.aggregate", SPEC §7).

    The one launch of the aggregation: the report's "recompute" button, the desk's phone entry,
    the public answer page and the answer import all come here. One aggregation per campaign at
    a time (dedupe key). ``campaign``: the campaign or its id. Raises ``JobRefused`` unless
    ``quiet``: after saving answers, a refusal means an aggregation is already queued and will
    see them, and any other failure only delays the figures (they can be recomputed later),
    so the quiet form returns None instead.
    """
    campaign_id = getattr(campaign, "id", campaign)
    try:
        return launch(AGGREGATE_KIND, {"campaign": campaign_id}, user=user,
                      dedupe_key=f"surveys:aggregate:{campaign_id}")
    except JobRefused:
        if not quiet:
            raise
        return None
    except Exception:
        if not quiet:
            raise
        log.exception("could not launch the aggregation of campaign %s", campaign_id)
        db.session.rollback()
        return None
