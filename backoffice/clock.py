"""The company's clock: business dates and times in the business time zone.

Business records (tickets, visits, appraisal objections, overrides) store naive wall-clock times
of the company's time zone (config ``BUSINESS_TIMEZONE``, Asia/Shanghai; SPEC §4 counts deadlines
in business hours 09:00–17:30 Asia/Shanghai). The server's own zone (often UTC) must not leak in:
at 01:00 in Shanghai a UTC server still thinks it is yesterday, which would give a ticket
yesterday's number and let a visit "tomorrow morning" pass the no-future rule.
Background job bookkeeping (backoffice/jobs/) stores UTC on purpose and does not use this.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def business_tz():
    name = current_app.config.get("BUSINESS_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def business_now():
    """Now, as a naive wall-clock time of the business time zone, to the second."""
    return dt.datetime.now(business_tz()).replace(tzinfo=None, microsecond=0)


def business_today():
    return business_now().date()
