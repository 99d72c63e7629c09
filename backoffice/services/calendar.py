"""The working-day calendar table and its commands (SPEC §4).

* ``working_calendar()`` builds the pure ``rules.working_calendar.WorkingCalendar`` value from
  the ``calendar_day`` table and the configured business hours (``SLA_BUSINESS_OPENS`` /
  ``SLA_BUSINESS_CLOSES``, default 09:00–17:30 Asia/Shanghai). Cached per app, keyed on a
  fingerprint of the table (row count, highest id, latest change), so an edit on any process
  or machine is seen by the next call without a message between processes. Other areas
  (appraisal objection windows, visit plans) call it for "working day" questions:
  ``working_calendar().is_working_day(day)``, ``.nth_working_day_after(day, n)``.
* ``seed_calendar()`` fills the table: official rows from ``chinese-calendar`` for the years it
  covers, a provisional calendar (weekday statutory holidays from the ``holidays`` package, no
  调休 invented, every row unconfirmed) for the years after it up to next year [decision, SPEC §4].
* ``import_year_csv()`` replaces one year with the State Council's published arrangement.
* ``unconfirmed_years()`` for the admin's home page and the ticket screens' warnings.
"""
import csv
import datetime as dt
import io

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _

from backoffice.clock import business_stamp, business_today
from backoffice.extensions import db
from backoffice.models import CalendarDay
from backoffice.models.base import AuditMixin
from backoffice.rules.working_calendar import WorkingCalendar, provisional_days

from .errors import CommandError

SOURCE_OFFICIAL = "chinese-calendar"
SOURCE_PROVISIONAL = "provisional"
SOURCE_IMPORT = "State Council CSV"

# chinese-calendar names its holidays in English; the table shows the Chinese names.
CHINESE_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
MAKE_UP_SUFFIX = "调休上班"

_CACHE_KEY = "backoffice_working_calendar"


def _hours():
    cfg = current_app.config if has_app_context() else {}

    def parse(key, default):
        value = cfg.get(key) or default
        return value if isinstance(value, dt.time) else dt.datetime.strptime(str(value), "%H:%M").time()

    return parse("SLA_BUSINESS_OPENS", "09:00"), parse("SLA_BUSINESS_CLOSES", "17:30")


def _fingerprint(session):
    return tuple(session.execute(sa.select(
        sa.func.count(CalendarDay.id), sa.func.max(CalendarDay.id), sa.func.max(CalendarDay.changed_on),
    )).one()) + _hours()


def build_calendar(rows, opens=dt.time(9, 0), closes=dt.time(17, 30)):
    """``WorkingCalendar`` from (day, working, confirmed) rows: a year with any unconfirmed row is
    provisional; a year with no row at all is not confirmed either (``confirmed_years``)."""
    days, years, unconfirmed = {}, set(), set()
    for day, working, confirmed in rows:
        days[day] = bool(working)
        years.add(day.year)
        if not confirmed:
            unconfirmed.add(day.year)
    return WorkingCalendar(days=days, unconfirmed_years=frozenset(unconfirmed),
                           confirmed_years=frozenset(years - unconfirmed), opens=opens, closes=closes)


def working_calendar(session=None):
    """The calendar as a pure value (see the module docstring); cached per app."""
    session = session or db.session
    key = _fingerprint(session)
    cache = current_app.extensions.get(_CACHE_KEY) if has_app_context() else None
    if cache and cache[0] == key:
        return cache[1]
    rows = session.execute(sa.select(CalendarDay.day, CalendarDay.working, CalendarDay.confirmed)).all()
    calendar = build_calendar(rows, *key[-2:])
    if has_app_context():
        current_app.extensions[_CACHE_KEY] = (key, calendar)
    return calendar


def unconfirmed_years(today=None, session=None):
    """Years from this one to next year whose official arrangement is not in the table, plus any
    later year holding provisional rows: what the admin's home page warns about (SPEC §4)."""
    session = session or db.session
    today = today or business_today()
    cal = working_calendar(session)
    years = {today.year, today.year + 1} | {y for y in cal.unconfirmed_years if y >= today.year}
    return sorted(y for y in years if not cal.is_confirmed(dt.date(y, 1, 1)))


# ---------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------

def official_rows(year):
    """The State Council's arrangement of ``year`` as ``chinese-calendar`` ships it: every 放假 day
    (weekend ones too, so the table reads like the published notice) and every 调休 working day."""
    import chinese_calendar

    rows = {}
    for day, name in chinese_calendar.holidays.items():
        if day.year == year:
            rows[day] = (False, CHINESE_NAMES.get(str(name), str(name)))
    for day, name in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            rows[day] = (True, CHINESE_NAMES.get(str(name), str(name)) + MAKE_UP_SUFFIX)
    return rows


def official_years():
    import chinese_calendar

    return sorted({d.year for d in chinese_calendar.holidays})


def provisional_rows(year):
    """[decision, SPEC §4] weekday statutory holidays of ``year`` from the ``holidays`` package."""
    import holidays

    return provisional_days(year, holidays.China(years=year, language="zh_CN"))


def _insert(session, year, rows, source, confirmed):
    user_id = AuditMixin.get_user_id()
    now = business_stamp()
    if rows:
        session.execute(sa.insert(CalendarDay), [
            {"day": day, "working": working, "name": name[:60], "source": source, "confirmed": confirmed,
             "created_on": now, "changed_on": now, "created_by_fk": user_id, "changed_by_fk": user_id}
            for day, (working, name) in sorted(rows.items())
        ])


def _delete_year(session, year):
    session.execute(sa.delete(CalendarDay).where(
        CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day < dt.date(year + 1, 1, 1)))


def seed_calendar(session=None, through_year=None):
    """Idempotent: a year already in the table is left as it is (an admin may have edited it),
    except a provisional year that ``chinese-calendar`` now covers, which becomes official."""
    session = session or db.session
    through_year = through_year or business_today().year + 1
    present = {}
    for year, confirmed, source in session.execute(sa.select(
        sa.extract("year", CalendarDay.day), sa.func.min(sa.case((CalendarDay.confirmed, 1), else_=0)),
        sa.func.min(CalendarDay.source),
    ).group_by(sa.extract("year", CalendarDay.day))):
        present[int(year)] = (bool(confirmed), source)
    covered = official_years()
    for year in covered:
        if year in present and not (present[year] == (False, SOURCE_PROVISIONAL)):
            continue
        _delete_year(session, year)
        _insert(session, year, official_rows(year), SOURCE_OFFICIAL, True)
    for year in range(max(covered) + 1, through_year + 1):
        if year not in present:
            _insert(session, year, provisional_rows(year), SOURCE_PROVISIONAL, False)


# ---------------------------------------------------------------------------------------------
# The admin's import of a published year
# ---------------------------------------------------------------------------------------------

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d")
DAY_OFF = {"放假", "休", "休息", "假", "holiday", "off", "0", "false", "否"}
DAY_ON = {"调休", "上班", "班", "补班", "workday", "working", "1", "true", "是"}
HEADER_WORDS = {"date", "日期"}


def _decode(data):
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CommandError(_("The file is neither UTF-8 nor GB18030 text."), field="file")


def _parse_date(text):
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_year_csv(data):
    """Rows ``date,kind,name`` (kind 放假 or 调休) of one year → (year, {day: (working, name)}).

    Every problem is collected, by line, and raised as one CommandError; nothing is written."""
    text = _decode(data)
    errors, rows = [], {}
    for lineno, cells in enumerate(csv.reader(io.StringIO(text)), 1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if lineno == 1 and cells[0].lower() in HEADER_WORDS:
            continue
        if len(cells) < 3:
            errors.append(_("Line %(line)d: expected three columns: date, 放假 or 调休, name.", line=lineno))
            continue
        day = _parse_date(cells[0])
        kind = cells[1].lower()
        if day is None:
            errors.append(_("Line %(line)d: unknown date format %(value)s; write dates as 2027-01-01.",
                            line=lineno, value=cells[0]))
            continue
        if kind in DAY_OFF:
            working = False
        elif kind in DAY_ON:
            working = True
        else:
            errors.append(_("Line %(line)d: the kind must be 放假 (day off) or 调休 (make-up working day), not %(value)s.",
                            line=lineno, value=cells[1]))
            continue
        if not cells[2]:
            errors.append(_("Line %(line)d: the day needs its name.", line=lineno))
            continue
        if day in rows:
            errors.append(_("Line %(line)d: %(day)s is entered twice.", line=lineno, day=f"{day:%Y-%m-%d}"))
            continue
        rows[day] = (working, cells[2])
    years = sorted({d.year for d in rows})
    if not errors and not rows:
        errors.append(_("The file holds no days."))
    if len(years) > 1:
        errors.append(_("One file holds one year; this one has %(years)s.", years=", ".join(map(str, years))))
    if errors:
        raise CommandError("\n".join(errors), field="file")
    return years[0], rows


def import_year_csv(data, session=None, commit=True):
    """Replace one year of the table with the published arrangement (confirmed). All or nothing."""
    session = session or db.session
    year, rows = parse_year_csv(data)
    _delete_year(session, year)
    _insert(session, year, rows, SOURCE_IMPORT, True)
    if commit:
        session.commit()
    return year, len(rows)
