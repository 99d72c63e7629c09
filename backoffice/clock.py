"""The company's clock: business dates and times in the business time zone.

Business records (tickets, visits, appraisal objections, overrides) store naive wall-clock times
of the company's time zone (config ``BUSINESS_TIMEZONE``, Asia/Shanghai; SPEC §4 counts deadlines
in business hours 09:00–17:30 Asia/Shanghai). The server's own zone (often UTC) must not leak in:
at 01:00 in Shanghai a UTC server still thinks it is yesterday, which would give a ticket
yesterday's number and let a visit "tomorrow morning" pass the no-future rule.
Every time a person sees is one of these (README "How times are stored"): AuditMixin's
创建时间/修改时间 (``models.base``), change-log rows, survey answers, report stamps, export names.
Background job bookkeeping (backoffice/jobs/: queued, started, heartbeat) stores UTC on purpose,
compared across machines by the reaper, through ``utc_now``; its screen converts it for display.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def business_tz():
    name = current_app.config.get("BUSINESS_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def business_now_aware():
    """Now in the business time zone, time-zone aware (the periodic schedule's firing times)."""
    return dt.datetime.now(business_tz())


def business_now():
    """Now, as a naive wall-clock time of the business time zone, to the second."""
    return business_now_aware().replace(tzinfo=None, microsecond=0)


def business_stamp():
    """Now, naive business wall-clock time with microseconds: AuditMixin's 创建时间/修改时间 and
    change-log rows, where the order of two writes in one second still shows."""
    return business_now_aware().replace(tzinfo=None)


def utc_now():
    """Now as naive UTC: job-run bookkeeping only (see the module's docstring)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def business_today():
    return business_now().date()
