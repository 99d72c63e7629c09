"""The public survey page: a client answers with the link of their invitation (SPEC §7).

    GET  /survey/<token>          the questionnaire, in the client's language
    POST /survey/<token>          record the answers (CSRF-protected, single use)
    GET  /survey/static/survey.css

No login and no FAB chrome: a standalone, mobile-friendly page. The token is the only key:

- an unknown, expired or closed-campaign token gets the same "not valid" page (404), so a
  guess learns nothing about which tokens exist;
- a used token (a reopened link, a second submission) gets "already answered, thank you" (410);
- requests are rate-limited per client IP and per token (``ratelimit``, Flask-Limiter; 429 with a page);
- answers are validated by ``answers.check_submission`` (the rules every channel shares) and
  written with ``answers.record_answers`` in one transaction that marks the invitation used;
- a signed-in back-office user posting the page is recorded as having entered the answers (a
  phone answer of theirs), never as the client answering online (issue #9).

Language: ``?lang=`` (zh, zh_Hant / zh_HK / zh_TW, en), else the browser's Accept-Language,
else Simplified Chinese (SPEC §10); question texts come from the question's own columns.
"""
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request, send_from_directory
from flask_babel import force_locale
from flask_login import current_user
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError

from backoffice.extensions import db
from backoffice.models import SurveyInvitation
from backoffice.models.choices import InvitationChannel
from backoffice.surveys import answers as ans
from backoffice.surveys import ratelimit

bp = Blueprint("survey_public", __name__, url_prefix="/survey")
STATIC_DIR = Path(__file__).resolve().parent.parent / "templates" / "surveys" / "public"
LOCALES = ("zh", "zh_HK", "en")
HTML_LANG = {"zh": "zh-Hans", "zh_HK": "zh-Hant", "en": "en"}
LANGUAGE_NAMES = {"zh": "简体中文", "zh_HK": "繁體中文", "en": "English"}
MAX_TOKEN = 64  # the column's length: anything longer cannot be a token


class SurveyForm(FlaskForm):
    """Only the CSRF token; the answers are read from the request by question id."""


def normalise_locale(tag):
    """A language tag -> one of LOCALES, or None ("zh-TW" -> "zh_HK", "en-GB" -> "en")."""
    t = (tag or "").strip().replace("-", "_").lower()
    if t.startswith("en"):
        return "en"
    if t.startswith("zh"):
        if any(part in t for part in ("hant", "_hk", "_tw", "_mo")):
            return "zh_HK"
        return "zh"
    return None


def choose_locale():
    explicit = normalise_locale(request.values.get("lang"))
    if explicit:
        return explicit
    for tag, _quality in request.accept_languages:  # best first
        found = normalise_locale(tag)
        if found:
            return found
    return "zh"


def _page(template, locale, status=200, **kw):
    with force_locale(locale):
        html = render_template(
            f"surveys/public/{template}", locale=locale, html_lang=HTML_LANG[locale],
            languages=LANGUAGE_NAMES, **kw,
        )
    response = current_app.response_class(html, status=status, mimetype="text/html")
    # The link is a credential: never cached, never indexed, never sent on as a referrer to
    # another site ("same-origin", as on every page: backoffice.security.web; "no-referrer" would
    # make Flask-WTF refuse the page's own POST over HTTPS, which needs a same-site Referer).
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _message(kind, locale, status):
    return _page("message.html", locale, status=status, kind=kind)


def _limited(token):
    return not ratelimit.within_limits(token)


def _find(token):
    if not token or len(token) > MAX_TOKEN:
        return None
    return db.session.execute(
        sa.select(SurveyInvitation).where(SurveyInvitation.token == token)
    ).scalar_one_or_none()


def scale_labels(question):
    """Score -> the words shown under it: five words on the usual 1-5 scale, else the ends."""
    lo, hi = question.min_score, question.max_score
    if (lo, hi) == (1, 5):
        words = [_("Very dissatisfied"), _("Dissatisfied"), _("Neutral"), _("Satisfied"), _("Very satisfied")]
        return dict(zip(range(1, 6), words))
    return {lo: _("Very dissatisfied"), hi: _("Very satisfied")}


@bp.route("/static/survey.css")
def stylesheet():
    response = send_from_directory(STATIC_DIR, "survey.css", mimetype="text/css", max_age=3600)
    return response


@bp.errorhandler(CSRFError)
def _expired(_error):
    # CSRFProtect refuses a POST without a valid token before the view runs; answer with the
    # survey's own page, in the client's language, like a token that failed in the view.
    return survey((request.view_args or {}).get("token", ""), csrf_failed=True)


@bp.route("/<token>", methods=["GET", "POST"])
def survey(token, csrf_failed=False):
    locale = choose_locale()
    if _limited(token):
        response = _message("limited", locale, 429)
        response.headers["Retry-After"] = "60"
        return response
    invitation = _find(token)
    status = ans.invitation_status(invitation)
    if status == "used":
        return _message("used", locale, 410)
    if status != "ok":
        return _message("invalid", locale, 404)

    campaign = invitation.campaign
    with force_locale(locale):
        questions = ans.questions_of(campaign)
        form = SurveyForm()
        values = {str(q.id): (request.form.get(f"score_{q.id}"), request.form.get(f"comment_{q.id}")) for q in questions}
        errors, general = {}, None
        if request.method == "POST":
            if csrf_failed or not form.validate_on_submit():
                general = _("This page has expired. Please submit your answers again.")
                return _form(invitation, questions, locale, form, values, errors, general, 400)
            entries = {}
            for name, value in request.form.items():
                if name.startswith("score_"):
                    key = name[len("score_"):]
                    entries[key] = (value, request.form.get(f"comment_{key}"))
            for q in questions:
                entries.setdefault(str(q.id), (None, request.form.get(f"comment_{q.id}")))
            clean, errors = ans.check_submission(campaign, entries)
            if errors:
                general = _("Some answers need your attention: see the marked questions.")
                for key, errs in errors.items():
                    if key not in {str(q.id) for q in questions}:
                        general = "; ".join(str(m) for m in errs.values())
                return _form(invitation, questions, locale, form, values, errors, general, 400)
            campaign_id = campaign.id
            # A signed-in back-office user who opens a client's link answers for the client: the
            # answers are recorded as entered by them (record_answers then never says "online").
            staff = current_user if getattr(current_user, "is_authenticated", False) else None
            try:
                ans.record_answers(invitation, clean, channel=InvitationChannel.online, entered_by=staff)
            except ans.AlreadyAnswered:
                return _message("used", locale, 410)
            ans.launch_aggregation(campaign_id)
            return _message("thanks", locale, 200)
    return _form(invitation, questions, locale, form, values, errors, general, 200)


def _form(invitation, questions, locale, form, values, errors, general, status):
    with force_locale(locale):
        items = [
            {
                "question": q, "text": q.text(locale), "scores": list(range(q.min_score, q.max_score + 1)),
                "labels": scale_labels(q), "required": ans.required(q),
                "value": (values.get(str(q.id)) or (None, None))[0],
                "comment": (values.get(str(q.id)) or (None, None))[1] or "",
                "errors": errors.get(str(q.id), {}),
            }
            for q in questions
        ]
    return _page(
        "form.html", locale, status=status, invitation=invitation, items=items, form=form,
        general=general, token=invitation.token, max_comment=ans.MAX_COMMENT,
        client_name=invitation.client.name, deadline=invitation.expires_at.date().isoformat(),
    )
