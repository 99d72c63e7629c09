"""How a job run reads on the job-run screen and in its progress JSON (SPEC §8).

One place turns a ``JobRun`` into what a person sees (translated job name, readable parameters,
state label and colour, progress percentage, local times, duration, summary rows), so the list
page, the show page and the JSON polled by ``static/js/job_progress.js`` always agree.
"""
import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.clock import business_tz, utc_now
from backoffice.extensions import db
from backoffice.formatting import period, person
from backoffice.jobs.registry import load_all
from backoffice.models import SurveyCampaign, TierScheme
from backoffice.models.choices import JobState

# Bootstrap 3 label / progress-bar colour per state.
STATE_CLASS = {
    JobState.queued.value: "default",
    JobState.running.value: "primary",
    JobState.finished.value: "success",
    JobState.failed.value: "danger",
    JobState.cancelled.value: "warning",
}
BAR_CLASS = {
    JobState.queued.value: "progress-bar-info",
    JobState.running.value: "",
    JobState.finished.value: "progress-bar-success",
    JobState.failed.value: "progress-bar-danger",
    JobState.cancelled.value: "progress-bar-warning",
}
ACTIVE_STATES = (JobState.queued.value, JobState.running.value)

# Summary keys the jobs report, read as words (unknown keys are shown as they are).
SUMMARY_LABELS = {
    "scheme": _l("Tier scheme"),
    "period": _l("Period"),
    "method": _l("Method"),
    "clients": _l("Clients"),
    "tiers": _l("Clients per tier"),
    "pools": _l("Clients per business format"),
    "changed": _l("Tier changed"),
    "overrides_kept": _l("Manual overrides kept"),
    "history_only": _l("History only (a later period is already applied)"),
    "later_period": _l("Later period applied"),
    "inactive_clients": _l("Inactive clients with purchases"),
    "missing_format": _l("Clients without a business format"),
    "purchases": _l("Purchases"),
    "sample": _l("For example"),
    "counted": _l("Counted"),
    "skipped": _l("Skipped"),
    "service_level_run": _l("Service level recalculation launched"),
    "campaign": _l("Survey campaign"),
    "campaigns": _l("Survey campaigns"),
    "seed": _l("Random seed"),
    "sampled": _l("Clients sampled"),
    "inserted": _l("Invitations created"),
    "strata": _l("Strata"),
    "run": _l("Run"),
}

# Parameters a person sets or needs to know, in this order, as "label: value" (issue #11:
# "参数 campaign=1" -> "调查活动：<name>"). Other keys are technical (batch size, test hooks,
# the upload's id, the locale the messages are written in) and are left off the screen.
PARAM_LABELS = {
    "scheme": _l("Tier scheme"),
    "period": _l("Period"),
    "campaign": _l("Survey campaign"),
    "filename": _l("File"),
    "mode": _l("Mode"),
    "method": _l("Method"),
    "n": _l("Items to count"),  # the worker self-test
}
PARAM_ORDER = tuple(PARAM_LABELS)
METHOD_LABELS = {
    "sql": _l("in the database (SQL)"),
    "python": _l("in the application (Python)"),
}
IMPORT_MODE_LABELS = {  # backoffice/imports/base.py MODES, as the import page words them
    "all_or_nothing": _l("All or nothing: write nothing if any row is rejected"),
    "valid_rows": _l("Write the valid rows, skip the rejected ones"),
    "dry_run": _l("Check only (write nothing)"),
}


def state_code(run):
    return getattr(run.state, "value", run.state)


def kind_label(kind):
    """The job's translated name from the registry (``@job(label=...)``), else its code."""
    spec = load_all().get(kind)
    return str(spec.label) if spec is not None else kind


def scheme_name(code):
    name = db.session.execute(sa.select(TierScheme.name).where(TierScheme.code == str(code))).scalar()
    return name or str(code)


def campaign_name(pk):
    try:
        campaign = db.session.get(SurveyCampaign, int(pk))
    except (TypeError, ValueError):
        return str(pk)
    return str(campaign) if campaign is not None else _("#%(id)s (deleted)", id=pk)


def param_value(key, value):
    """One parameter's value as a person reads it (names for codes and ids)."""
    if key == "scheme":
        return scheme_name(value)
    if key == "period":
        return period(value)
    if key == "campaign":
        return campaign_name(value)
    if key == "method":
        return str(METHOD_LABELS.get(value, value))
    if key == "mode":
        return str(IMPORT_MODE_LABELS.get(value, value))
    return value_text(value)


def params_text(params):
    """``{"scheme": "KEY", "period": "2026"}`` -> ``等级方案：大客户；期间：2026年``."""
    params = dict(params or {})
    parts = [
        _("%(label)s: %(value)s", label=PARAM_LABELS[k], value=param_value(k, params[k]))
        for k in PARAM_ORDER if params.get(k) not in (None, "")
    ]
    return _("; ").join(parts)


def local_time(value):
    """A stored UTC time (naive) in the business time zone (config BUSINESS_TIMEZONE)."""
    if value is None:
        return ""
    return value.replace(tzinfo=dt.timezone.utc).astimezone(business_tz()).strftime("%Y-%m-%d %H:%M:%S")


def duration_seconds(run, now=None):
    if run.started_at is None:
        return None
    end = run.ended_at or now or utc_now()
    return max(0, int((end - run.started_at).total_seconds()))


def duration_text(seconds):
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def percent(run):
    done, total = run.progress_done or 0, run.progress_total or 0
    if state_code(run) == JobState.finished.value:
        return 100
    if total <= 0:
        return 0
    return max(0, min(100, int(done * 100 // total)))


def value_text(value, key=None):
    """A summary value as words: nested mappings as "label: value; ...", lists joined, codes
    and ids as names (scheme, period, method, campaign, the follow-up run)."""
    if key in ("scheme", "period", "method", "campaign") and isinstance(value, (str, int)) and not isinstance(value, bool):
        return param_value(key, value)
    if key == "campaigns" and isinstance(value, (list, tuple)):
        return ", ".join(campaign_name(v) for v in value)
    if key in ("service_level_run", "run") and isinstance(value, int) and not isinstance(value, bool):
        return _("run #%(id)s", id=value)
    if isinstance(value, dict):
        return "; ".join(f"{SUMMARY_LABELS.get(k, k)}: {value_text(v, k)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def summary_rows(summary):
    """The run's result summary as (label, text) rows, in the order the job reported them."""
    return [(str(SUMMARY_LABELS.get(key, key)), value_text(value, key)) for key, value in (summary or {}).items()]


def run_display(run):
    """Everything the screen and the progress JSON show about one run."""
    state = state_code(run)
    seconds = duration_seconds(run)
    return {
        "id": run.id,
        "kind": run.kind,
        "kind_label": kind_label(run.kind),
        "params": params_text(run.params),
        "state": state,
        "state_label": str(JobState(state).label),
        "state_class": STATE_CLASS.get(state, "default"),
        "bar_class": BAR_CLASS.get(state, ""),
        "active": state in ACTIVE_STATES,
        "done": run.progress_done or 0,
        "total": run.progress_total or 0,
        "percent": percent(run),
        "launched_by": person(run.launched_by),
        "queued_at": local_time(run.queued_at),
        "started_at": local_time(run.started_at),
        "ended_at": local_time(run.ended_at),
        "duration": duration_text(seconds),
        "duration_seconds": seconds,
        "enqueued": bool(run.enqueued),
        "summary": [list(row) for row in summary_rows(run.summary)],
        "error": run.error or "",
    }
