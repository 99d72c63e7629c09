"""How a job run reads on the job-run screen and in its progress JSON (SPEC §8).

One place turns a ``JobRun`` into what a person sees (translated job name, readable parameters,
state label and colour, progress percentage, local times, duration, summary rows), so the list
page, the show page and the JSON polled by ``static/js/job_progress.js`` always agree.
"""
import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backoffice.clock import business_tz, utc_now
from backoffice.jobs.registry import load_all
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
}

PARAM_ORDER = ("scheme", "period")


def state_code(run):
    return getattr(run.state, "value", run.state)


def kind_label(kind):
    """The job's translated name from the registry (``@job(label=...)``), else its code."""
    spec = load_all().get(kind)
    return str(spec.label) if spec is not None else kind


def params_text(params):
    """``{"scheme": "SCALE", "period": "2026Q3"}`` -> ``SCALE 2026Q3``; other keys as ``key=value``."""
    params = dict(params or {})
    words = [str(params.pop(k)) for k in PARAM_ORDER if params.get(k) not in (None, "")]
    for k in PARAM_ORDER:
        params.pop(k, None)
    words += [f"{k}={v}" for k, v in sorted(params.items())]
    return " ".join(words)


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


def value_text(value):
    """A summary value as words: nested mappings as "label: value; ...", lists joined."""
    if isinstance(value, dict):
        return "; ".join(f"{SUMMARY_LABELS.get(k, k)}: {value_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return "" if value is None else str(value)


def summary_rows(summary):
    """The run's result summary as (label, text) rows, in the order the job reported them."""
    return [(str(SUMMARY_LABELS.get(key, key)), value_text(value)) for key, value in (summary or {}).items()]


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
        "launched_by": str(run.launched_by) if run.launched_by is not None else "",
        "queued_at": local_time(run.queued_at),
        "started_at": local_time(run.started_at),
        "ended_at": local_time(run.ended_at),
        "duration": duration_text(seconds),
        "duration_seconds": seconds,
        "enqueued": bool(run.enqueued),
        "summary": [list(row) for row in summary_rows(run.summary)],
        "error": run.error or "",
    }
