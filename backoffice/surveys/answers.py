"""Survey answers: the one validation and the one way of recording them (SPEC §7).

All three answer channels go through here — the public token page (``public.py``), the service
desk's phone entry (``views/survey_answers.py``) and the CSV import (``imports.py``):

- ``check_answer`` validates one answer (question in the campaign's questionnaire, score a whole
  number within the question's scale, comment allowed and not too long), on top of
  ``SurveyAnswer.business_errors``;
- ``check_submission`` validates a whole questionnaire as a form sends it;
- ``record_answers`` writes one invitation's answers in one transaction and marks the invitation
  used (single use: a concurrent second submission finds it used and writes nothing);
- ``StaffResolver`` names the staff member a staff-rating answer is about, at answer time;
- ``launch_aggregation`` asks for the campaign's results to be recomputed.
"""
import logging
import unicodedata
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from backoffice.clock import business_now
from backoffice.extensions import db
from backoffice.models import Department, Staff, SurveyAnswer, SurveyInvitation, SurveyQuestion
from backoffice.models.choices import CampaignState, InvitationChannel, QuestionDimension
from backoffice.surveys import aggregate
from backoffice.surveys.aggregate import AGGREGATE_KIND  # noqa: F401  (kept importable from here)

log = logging.getLogger(__name__)

MAX_COMMENT = 1000  # characters; a comment is a remark, not a letter


# Answer and used_at times are business wall-clock times (README: How times are stored).
now = business_now


def _code(value):
    return getattr(value, "value", value)


class AlreadyAnswered(Exception):
    """The invitation was used in the meantime (a second submission): nothing was written."""


@dataclass(frozen=True)
class CleanAnswer:
    question: SurveyQuestion
    score: int
    comment: Optional[str]


# -- one answer ---------------------------------------------------------------------------------
def parse_score(value) -> int:
    """'4', 4, '4.0', '４' -> 4; anything else raises ValueError."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.lstrip("+-").isdigit():
        raise ValueError(value)
    return int(text)


def check_answer(question, score, comment=None, *, questionnaire_id=None):
    """Validate one answer; returns ``(CleanAnswer, {})`` or ``(None, {field: message})``.

    ``question`` is the SurveyQuestion the answer names (None when the name matched nothing);
    ``questionnaire_id`` the campaign's questionnaire: a question of another one is refused.
    Fields: ``question``, ``score``, ``comment``.
    """
    if question is None or (questionnaire_id is not None and question.questionnaire_id != questionnaire_id):
        return None, {"question": _("This question is not part of the campaign's questionnaire.")}
    errors = {}
    value = None
    text = "" if score is None else str(score).strip()
    if not text:
        errors["score"] = _("Choose a score.")
    else:
        try:
            value = parse_score(score)
        except ValueError:
            errors["score"] = _("The score must be a whole number.")
    comment = unicodedata.normalize("NFC", str(comment)).strip() if comment is not None else ""
    comment = comment or None
    if comment and len(comment) > MAX_COMMENT:
        errors["comment"] = _("The comment is too long (at most %(n)s characters).", n=MAX_COMMENT)
    # The record's own rules (score within the question's scale, comment allowed).
    for field, message in SurveyAnswer.business_errors(
        {"question": question, "score": value, "comment": comment}
    ).items():
        errors.setdefault(field, message)
    if errors:
        return None, errors
    return CleanAnswer(question, value, comment), {}


def required(question) -> bool:
    """[decision] Every question must be answered except the staff ratings: a client may not
    deal with every role (no market manager visit, no phone orders), so those may stay blank."""
    return _code(question.dimension) != QuestionDimension.staff.value


def questions_of(campaign):
    return list(
        db.session.execute(
            sa.select(SurveyQuestion)
            .where(SurveyQuestion.questionnaire_id == campaign.questionnaire_id)
            .order_by(SurveyQuestion.position, SurveyQuestion.id)
        ).scalars()
    )


def check_submission(campaign, entries):
    """Validate a filled-in questionnaire.

    ``entries``: {question id (str or int): (score text, comment text)} as a form sends it.
    Returns ``(answers, errors)``: the CleanAnswers in question order, and
    {question id (str) or "": {field: message}} — empty when everything is valid.
    """
    questions = questions_of(campaign)
    by_id = {str(q.id): q for q in questions}
    errors = {}
    clean = []
    for key in entries:
        if str(key) not in by_id:
            # A tampered form, or a questionnaire changed since the page was shown.
            other = db.session.get(SurveyQuestion, int(key)) if str(key).isdigit() and len(str(key)) < 10 else None
            _none, errs = check_answer(other, None, None, questionnaire_id=campaign.questionnaire_id)
            errors[str(key)] = errs
    for q in questions:
        score, comment = entries.get(str(q.id), entries.get(q.id, (None, None)))
        blank = score is None or str(score).strip() == ""
        if blank and not required(q):
            if comment and str(comment).strip():
                errors[str(q.id)] = {"score": _("Choose a score for your comment, or remove the comment.")}
            continue
        answer, errs = check_answer(q, score, comment, questionnaire_id=campaign.questionnaire_id)
        if errs:
            errors[str(q.id)] = errs
        else:
            clean.append(answer)
    if not clean and not errors:
        errors[""] = {"score": _("Answer at least one question.")}
    return clean, errors


# -- who is rated -----------------------------------------------------------------------------
class StaffResolver:
    """The staff member serving a client in a role, at answer time (SPEC §7 staff ratings).

    - client manager (客户经理): the client's owner;
    - market manager (市场经理): the head of the client's department, or of the nearest
      department above it that has a head, when that head is a market manager or department head;
    - phone order clerk, delivery staff: the data model does not link them to clients yet, so
      the answer is recorded without a staff member (it still counts for the question and
      dimension figures).
    """

    HEAD_POSITIONS = ("market_manager", "dept_head")

    def __init__(self, session=None):
        self.session = session or db.session
        self._depts = None

    def _departments(self):
        if self._depts is None:
            rows = self.session.execute(
                sa.select(Department.id, Department.parent_id, Department.head_id, Staff.position)
                .outerjoin(Staff, Staff.id == Department.head_id)
            ).all()
            self._depts = {r[0]: (r[1], r[2], _code(r[3])) for r in rows}
        return self._depts

    def market_manager(self, department_id):
        depts, seen = self._departments(), set()
        node = department_id
        while node is not None and node not in seen:
            seen.add(node)
            parent, head, position = depts.get(node, (None, None, None))
            if head is not None and position in self.HEAD_POSITIONS:
                return head
            node = parent
        return None

    def staff_id(self, question, owner_id, department_id):
        if _code(question.dimension) != QuestionDimension.staff.value:
            return None
        position = _code(question.staff_position)
        if position == "client_manager":
            return owner_id
        if position == "market_manager":
            return self.market_manager(department_id)
        return None


# -- invitations ------------------------------------------------------------------------------
def campaign_accepts_answers(campaign) -> bool:
    """Answers are taken while the campaign is sampled or open, not once it is closed."""
    return _code(campaign.state) in (CampaignState.sampling.value, CampaignState.open.value)


def invitation_status(invitation, at=None) -> str:
    """"ok", "used", or "invalid" (unknown, expired, campaign not taking answers)."""
    if invitation is None:
        return "invalid"
    if invitation.used_at is not None:
        return "used"
    if invitation.is_expired(at) or not campaign_accepts_answers(invitation.campaign):
        return "invalid"
    return "ok"


def staff_entry_channel(requested=None, invitation_channel=None):
    """The channel of an answer a staff member enters (phone entry, import, a signed-in user on
    the public page): never "online", whatever the request says, since an online answer is the
    client's own (``entered_by`` NULL). The channel asked for or the invitation's when it is a
    call or a visit, else [decision] a phone call, the usual way answers reach the staff."""
    for value in (requested, invitation_channel):
        code = _code(value)
        if code and code != InvitationChannel.online.value:
            return InvitationChannel(code)
    return InvitationChannel.phone


def record_answers(invitation, answers, *, channel, entered_by=None, at=None, replace=False):
    """Write ``answers`` (CleanAnswers) for ``invitation`` in one transaction and commit.

    Without ``replace`` the invitation is claimed first (``UPDATE ... WHERE used_at IS NULL``):
    if it was used meanwhile, ``AlreadyAnswered`` is raised and nothing is written. With
    ``replace`` (a correction of phone answers) the answers given replace the stored ones.
    """
    at = at or now()
    session = db.session
    try:
        if not replace:
            claimed = session.execute(
                sa.update(SurveyInvitation)
                .where(SurveyInvitation.id == invitation.id, SurveyInvitation.used_at.is_(None))
                .values(used_at=at)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                session.rollback()
                raise AlreadyAnswered()
            existing = {}
        else:
            session.execute(
                sa.update(SurveyInvitation)
                .where(SurveyInvitation.id == invitation.id, SurveyInvitation.used_at.is_(None))
                .values(used_at=at)
                .execution_options(synchronize_session=False)
            )
            existing = {
                a.question_id: a for a in session.execute(
                    sa.select(SurveyAnswer).where(SurveyAnswer.invitation_id == invitation.id)
                ).scalars()
            }
        client = invitation.client
        resolver = StaffResolver(session)
        channel = InvitationChannel(_code(channel))
        if entered_by is not None:  # entered by staff: recorded as theirs, never as the client's online answer
            channel = staff_entry_channel(channel, invitation.channel)
        kept = set()
        for answer in answers:
            staff_id = resolver.staff_id(answer.question, client.owner_id, client.department_id)
            row = existing.get(answer.question.id)
            kept.add(answer.question.id)
            if row is None:
                session.add(SurveyAnswer(
                    invitation_id=invitation.id, question_id=answer.question.id, score=answer.score,
                    comment=answer.comment, staff_id=staff_id, channel=channel,
                    entered_by_id=getattr(entered_by, "id", None), answered_at=at,
                ))
            elif (row.score, row.comment) != (answer.score, answer.comment):
                row.score, row.comment, row.staff_id = answer.score, answer.comment, staff_id
                row.entered_by_id, row.answered_at = getattr(entered_by, "id", None), at
                row.channel = channel
        for question_id, row in existing.items():
            if question_id not in kept:
                session.delete(row)
        session.commit()
    except AlreadyAnswered:
        raise
    except sa.exc.IntegrityError:
        # Two submissions raced past the claim (only possible with replace): keep the first.
        session.rollback()
        raise AlreadyAnswered() from None
    except BaseException:
        session.rollback()
        raise
    session.expire(invitation)


def launch_aggregation(campaign_id, user=None):
    """After answers are saved: recompute the campaign's figures (``aggregate.launch_aggregation``,
    which says why a refusal is not an error here). Returns the run, or None."""
    return aggregate.launch_aggregation(campaign_id, user, quiet=True)
