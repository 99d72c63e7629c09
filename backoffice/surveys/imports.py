"""Import of survey answers from a CSV or XLSX file (SPEC §7 "imported from a CSV file of
answers", SPEC §9 import rules).

One row is one answer: the invitation (its ``token``, or the ``campaign`` number with the
``client_code``), the ``question`` code, the ``score``, an optional ``comment``, an optional
``answered_at`` date and an optional ``channel``. The file is read by
``backoffice.imports.reading`` (UTF-8, UTF-8 with BOM or GB18030 detected, XLSX), every row is
validated with ``answers.check_answer`` (the rules of every answer channel) plus what only a
file can get wrong (unknown token, invitation outside the user's scope, closed campaign, a
question answered twice in the file, a date in the future), and the result has the shape of
the other imports (``imports.base.ImportResult``), so the same preview shows it.

Writing is one transaction (all or nothing, or the valid rows): new answers are inserted,
changed ones updated, identical ones left alone — an upsert on (invitation, question), so
importing the same file again changes nothing. An answer the client gave online is never
overwritten by a file. Invitations that receive answers are marked used.
"""
import datetime as dt
import logging
import unicodedata

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.extensions import db
from backoffice.imports.base import (  # noqa: F401  (MODES: kept importable from here)
    MODES, Column, RowResult, choice_aliases, header_aliases, run_import,
)
from backoffice.imports.checks import chunks, in_scope_ids
from backoffice.imports.reading import ImportFileError, normalise_header, read_table
from backoffice.models import Client, SurveyAnswer, SurveyCampaign, SurveyInvitation, SurveyQuestion
from backoffice.models.choices import InvitationChannel
from backoffice.pgcopy import copy_rows
from backoffice.surveys import answers as ans

log = logging.getLogger(__name__)

KIND = "survey_answers"
WRITE_CHUNK = 5000

COLUMNS = [
    Column("token", _l("Invitation token"), example="kq3V…",
           hint=_l("The token of the invitation link; or give the campaign number and the client code")),
    Column("campaign", _l("Campaign number"), example="12", aliases=("campaign_id",),
           hint=_l("With the client code, when there is no token")),
    Column("client_code", _l("Client code"), example="C0001", aliases=("client", "客户编码", "客戶編碼")),
    Column("question", _l("Question code"), required=True, example="SUPPLY", aliases=("question_code",)),
    Column("score", _l("Score"), required=True, example="5", hint=_l("A whole number within the question's scale (1-5)")),
    Column("comment", _l("Comment"), example="", hint=_l("Optional")),
    Column("answered_at", _l("Answered on"), example="2026-11-20",
           hint=_l("Optional: 2026-11-20 or 2026-11-20 14:30; default the time of the import")),
    Column("channel", _l("Channel"), example="", hint=_l("Optional: phone or visit; default the invitation's (phone for an online invitation)")),
]
FIELDS = [c.field for c in COLUMNS]


class ImportConflict(Exception):
    """Answers changed while the file was being written (e.g. a client answered online)."""


def _text(value):
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def parse_when(text):
    """'2026-11-20', '2026/11/20', '2026-11-20 14:30[:00]', '20261120' -> datetime."""
    s = _text(text).replace("T", " ").replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(s, fmt)
        except ValueError:
            continue
    raise ValueError(text)


def read_answers(data, filename=""):
    """The upload as a ``reading.Table`` (raises ImportFileError for an unusable file)."""
    table = read_table(
        data, header_aliases(COLUMNS), [c.field for c in COLUMNS if c.required], filename=filename,
        missing_label={c.field: c.label for c in COLUMNS},
    )
    present = set(table.frame.columns)
    if "token" not in present and not {"campaign", "client_code"} <= present:
        labels = {c.field: str(c.label) for c in COLUMNS}
        raise ImportFileError(
            "missing_columns",
            columns=_("%(token)s, or %(campaign)s and %(client)s", token=labels["token"],
                      campaign=labels["campaign"], client=labels["client_code"]),
        )
    return table


class _Invitation:
    __slots__ = ("id", "campaign_id", "questionnaire_id", "open", "owner_id", "department_id",
                 "channel", "used_at", "in_scope", "label")

    def __init__(self, row, in_scope):
        (self.id, self.campaign_id, self.questionnaire_id, state, self.owner_id, self.department_id,
         channel, self.used_at, code) = row
        self.open = getattr(state, "value", state) in ("sampling", "open")
        self.channel = InvitationChannel(getattr(channel, "value", channel))
        self.in_scope = in_scope
        self.label = code


def _invitation_query():
    return (
        sa.select(
            SurveyInvitation.id, SurveyInvitation.campaign_id, SurveyCampaign.questionnaire_id,
            SurveyCampaign.state, Client.owner_id, Client.department_id, SurveyInvitation.channel,
            SurveyInvitation.used_at, Client.code,
        )
        .join(SurveyCampaign, SurveyCampaign.id == SurveyInvitation.campaign_id)
        .join(Client, Client.id == SurveyInvitation.client_id)
    )


class AnswerPlanner:
    """Checks rows chunk by chunk with a few bulk queries per chunk; collects what to write."""

    def __init__(self, user, present):
        self.user = user
        self.present = present
        self.by_token = {}  # token -> _Invitation | None
        self.by_client = {}  # (campaign id, client code) -> _Invitation | None
        self.questions = {}  # questionnaire id -> {CODE: SurveyQuestion}
        self.existing = {}  # (invitation id, question id) -> (answer id, score, comment, entered_by, channel)
        self.loaded_invitations = set()
        self.seen = {}  # (invitation id, question id) -> first row
        self.channels = choice_aliases(InvitationChannel)
        self.resolver = ans.StaffResolver(db.session)
        self.inserts, self.updates = [], []
        self.first_answer = {}  # invitation id -> earliest answered_at among new answers
        self.campaigns = set()
        self.now = ans.now()

    # -- bulk lookups ---------------------------------------------------------------------------
    def _load(self, tokens, pairs):
        todo = [t for t in tokens if t not in self.by_token]
        found_tokens = {}
        for part in chunks(todo):
            q = _invitation_query().add_columns(SurveyInvitation.token).where(SurveyInvitation.token.in_(part))
            for r in db.session.execute(q):
                found_tokens[r[-1]] = tuple(r[:-1])
        pair_todo = [p for p in pairs if p not in self.by_client]
        found_pairs = {}
        campaigns = {c for c, _code in pair_todo}
        for campaign in campaigns:
            codes = [code for c, code in pair_todo if c == campaign]
            for part in chunks(codes):
                q = _invitation_query().where(SurveyInvitation.campaign_id == campaign, Client.code.in_(part))
                for r in db.session.execute(q):
                    found_pairs[(campaign, r[-1])] = tuple(r)
        ids = {r[0] for r in found_tokens.values()} | {r[0] for r in found_pairs.values()}
        scoped = in_scope_ids(SurveyInvitation, ids, self.user)
        for t in todo:
            r = found_tokens.get(t)
            self.by_token[t] = _Invitation(r, r[0] in scoped) if r else None
        for p in pair_todo:
            r = found_pairs.get(p)
            self.by_client[p] = _Invitation(r, r[0] in scoped) if r else None
        invitations = [i for i in list(self.by_token.values()) + list(self.by_client.values()) if i is not None]
        self._load_questions({i.questionnaire_id for i in invitations})
        self._load_existing({i.id for i in invitations} - self.loaded_invitations)

    def _load_questions(self, questionnaire_ids):
        for qn in questionnaire_ids - set(self.questions):
            self.questions[qn] = {
                q.code.strip().upper(): q
                for q in db.session.execute(
                    sa.select(SurveyQuestion).where(SurveyQuestion.questionnaire_id == qn)
                ).scalars()
            }

    def _load_existing(self, invitation_ids):
        for part in chunks(invitation_ids):
            q = sa.select(
                SurveyAnswer.invitation_id, SurveyAnswer.question_id, SurveyAnswer.id, SurveyAnswer.score,
                SurveyAnswer.comment, SurveyAnswer.entered_by_id, SurveyAnswer.channel,
            ).where(SurveyAnswer.invitation_id.in_(part))
            for inv, qid, aid, score, comment, by, channel in db.session.execute(q):
                self.existing[(inv, qid)] = (aid, score, comment, by, getattr(channel, "value", channel))
        self.loaded_invitations |= set(invitation_ids)

    # -- rows -----------------------------------------------------------------------------------
    def check(self, frame, result, keeper):
        cols = {c: frame[c].tolist() if c in frame.columns else None for c in FIELDS}
        rows = frame.index.tolist()
        n = len(rows)
        def get(name, i):
            if cols[name] is None:
                return ""
            # A comment is the client's words: kept as written (no full-width folding).
            return str(cols[name][i] or "").strip() if name == "comment" else _text(cols[name][i])

        tokens, pairs = set(), set()
        for i in range(n):
            token = get("token", i)
            if token:
                tokens.add(token)
            else:
                campaign, code = get("campaign", i), get("client_code", i)
                if campaign.isdigit() and len(campaign) < 10 and code:
                    pairs.add((int(campaign), code))
        self._load(tokens, pairs)
        for i in range(n):
            self._check_row(rows[i], {f: get(f, i) for f in FIELDS}, result, keeper)

    def _invitation(self, v, errors):
        if v["token"]:
            inv = self.by_token.get(v["token"])
            if inv is None:
                errors.append(("token", _("No invitation has this token.")))
            return inv
        if not v["campaign"] and not v["client_code"]:
            errors.append(("token", _("Give the invitation token, or the campaign number and the client code.")))
            return None
        if not v["campaign"].isdigit() or len(v["campaign"]) >= 10:
            errors.append(("campaign", _("Not a campaign number.")))
            return None
        if not v["client_code"]:
            errors.append(("client_code", _("Required.")))
            return None
        inv = self.by_client.get((int(v["campaign"]), v["client_code"]))
        if inv is None:
            errors.append(("client_code", _("This client has no invitation in campaign %(id)s.", id=v["campaign"])))
        return inv

    def _check_row(self, row, v, result, keeper):
        errors = []
        inv = self._invitation(v, errors)
        key = f"{(inv.label if inv else v['client_code'] or v['token'][:10])} / {v['question']}"
        if inv is not None and not inv.in_scope:
            errors.append(("token", _("This invitation is outside your scope.")))
            inv = None
        if inv is not None and not inv.open:
            errors.append(("token", _("The campaign is not taking answers (closed or not started).")))
            inv = None
        clean = None
        if inv is not None:
            question = self.questions.get(inv.questionnaire_id, {}).get(v["question"].upper())
            clean, errs = ans.check_answer(question, v["score"], v["comment"], questionnaire_id=inv.questionnaire_id)
            errors.extend(errs.items())
        when = self.now
        if v["answered_at"]:
            try:
                when = parse_when(v["answered_at"])
                if when > self.now + dt.timedelta(minutes=5):
                    errors.append(("answered_at", _("The answer date is in the future.")))
            except ValueError:
                errors.append(("answered_at", _("Not a date: write 2026-11-22 or 2026/11/22.")))
        channel = None
        if v["channel"]:
            channel = self.channels.get(normalise_header(v["channel"]))
            if channel is None:
                errors.append(("channel", _("Unknown channel: write phone or visit.")))
            elif channel == InvitationChannel.online:
                # An imported answer is entered by the importer, never the client's own online one.
                errors.append(("channel", _("An imported answer cannot be recorded as answered online: write phone or visit.")))
        channel = ans.staff_entry_channel(channel, inv.channel if inv is not None else None)
        if clean is not None and not errors:
            pair = (inv.id, clean.question.id)
            first = self.seen.get(pair)
            if first is not None:
                errors.append(("question", _("This question is answered twice for this invitation in the file (row %(row)s).", row=first)))
            else:
                self.seen[pair] = row
        if errors:
            result.add(RowResult(row, key, "reject", errors=errors), keep=keeper("reject"))
            return
        old = self.existing.get(pair)
        if old is not None:
            aid, score, comment, by, old_channel = old
            if (score, comment) == (clean.score, clean.comment):
                result.count("unchanged")
                return
            if by is None and old_channel == InvitationChannel.online.value:
                result.add(RowResult(row, key, "reject", errors=[
                    ("score", _("The client answered this question online; an import does not overwrite it."))
                ]), keep=keeper("reject"))
                return
            changes = {"score": (str(score), str(clean.score)), "comment": (comment or "", clean.comment or "")}
            changes = {k: c for k, c in changes.items() if c[0] != c[1]}
            self.updates.append({
                "aid": aid, "score": clean.score, "comment": clean.comment, "answered_at": when,
                "entered_by_id": getattr(self.user, "id", None), "channel": channel.value,
            })
            self.campaigns.add(inv.campaign_id)
            result.add(RowResult(row, key, "update", changes=changes), keep=keeper("update"))
            return
        self.inserts.append({
            "invitation_id": inv.id, "question_id": clean.question.id, "score": clean.score,
            "comment": clean.comment,
            "staff_id": self.resolver.staff_id(clean.question, inv.owner_id, inv.department_id),
            "channel": channel.value, "entered_by_id": getattr(self.user, "id", None), "answered_at": when,
        })
        if inv.used_at is None:
            self.first_answer[inv.id] = min(when, self.first_answer.get(inv.id, when))
        self.campaigns.add(inv.campaign_id)
        if keeper("create"):
            result.add(RowResult(row, key, "create", changes={
                "score": ("", str(clean.score)), **({"comment": ("", clean.comment)} if clean.comment else {}),
            }))
        else:
            result.count("create")

    # -- writing (run_import: nothing is staged per chunk, all is written at the end) -------------
    def finish(self):
        conn = db.session.connection()
        table = SurveyAnswer.__table__
        if conn.dialect.name == "postgresql" and self.inserts:
            # COPY: new answers by the hundred thousand, in this same transaction.
            cols = ("invitation_id", "question_id", "score", "comment", "staff_id", "channel", "entered_by_id", "answered_at")
            copy_rows(conn, "survey_answer", cols, (tuple(row[c] for c in cols) for row in self.inserts))
        else:
            for part in chunks(self.inserts, WRITE_CHUNK):
                conn.execute(table.insert(), part)
        if self.updates:
            stmt = (
                table.update().where(table.c.id == sa.bindparam("aid"))
                .values(score=sa.bindparam("score"), comment=sa.bindparam("comment"),
                        answered_at=sa.bindparam("answered_at"), entered_by_id=sa.bindparam("entered_by_id"),
                        channel=sa.bindparam("channel"))
            )
            for part in chunks(self.updates, WRITE_CHUNK):
                conn.execute(stmt, part)
        if self.first_answer:
            inv = SurveyInvitation.__table__
            stmt = (
                inv.update().where(inv.c.id == sa.bindparam("iid"), inv.c.used_at.is_(None))
                .values(used_at=sa.bindparam("used"))
            )
            rows = [{"iid": i, "used": when} for i, when in self.first_answer.items()]
            for part in chunks(rows, WRITE_CHUNK):
                conn.execute(stmt, part)


def import_answers(data, *, user=None, mode="dry_run", filename="", progress=None, chunk_rows=20000):
    """Check (and unless ``dry_run``, write) a file of answers; returns an ``ImportResult``.

    Writes in one transaction, committed at the end: all or nothing (``all_or_nothing``), or the
    valid rows (``valid_rows``). Raises ``ImportFileError`` for an unusable file and
    ``ImportConflict`` when answers changed under the import (nothing is then written).
    """
    planners = []

    def make_planner(table, user):
        planners.append(AnswerPlanner(user, set(table.frame.columns)))
        return planners[0]

    try:
        result = run_import(
            KIND, mode, user, lambda: read_answers(data, filename), make_planner, lambda planner, user: planner,
            progress=progress, chunk_rows=chunk_rows,
        )
    except sa.exc.IntegrityError:  # run_import has rolled back
        raise ImportConflict(_("Some answers were recorded while the file was being imported; nothing was written. Import the file again.")) from None
    if not result.committed:
        return result
    planner = planners[0]
    user = planner.user
    result.campaigns = sorted(planner.campaigns)
    if result.counts["create"] or result.counts["update"]:
        for campaign_id in result.campaigns:
            ans.launch_aggregation(campaign_id, user)
    return result
