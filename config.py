"""One configuration class read from the environment.

Every knob a deployment changes is an environment variable; the defaults give the embedded
single-process demo (SQLite file in ``instance/``, jobs in-process when no ``REDIS_URL``).
"""
import os
import secrets
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("BACKOFFICE_INSTANCE", BASE_DIR / "instance"))


def _secret_key(env: str) -> str:
    """SECRET_KEY from the environment; in development a generated key kept in instance/.

    Production (``BACKOFFICE_ENV=production``) refuses to start without one, so sessions
    are never signed with a key that changes on restart or ships in the repository.
    """
    key = os.environ.get("SECRET_KEY")
    if env == "production":
        problem = production_secret_problem(key)
        if problem:
            raise RuntimeError(problem)
    if key:
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


MIN_SECRET_KEY_LENGTH = 32  # 16 random bytes in hex: a key a person types is no key


def production_secret_problem(key):
    """Why ``key`` cannot sign production sessions, or None. Also used by gunicorn.conf.py, so
    ``make serve`` stops with this sentence before it forks any worker."""
    hint = ("generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))' "
            "and export it (the same value on every web machine)")
    if not key:
        return f"SECRET_KEY must be set when BACKOFFICE_ENV=production: {hint}."
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return (f"SECRET_KEY is too short ({len(key)} characters, at least {MIN_SECRET_KEY_LENGTH} "
                f"when BACKOFFICE_ENV=production): {hint}.")
    return None


def _seconds(name, default):
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


class Config:
    ENV_NAME = os.environ.get("BACKOFFICE_ENV", "development")
    SECRET_KEY = None  # filled in __init__ so importing config never writes files
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'backoffice.db'}"
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # A running job whose worker has not beaten for this many seconds is failed (worker lost),
    # so its work can be launched again (backoffice.jobs.runs.reap_stale).
    JOB_HEARTBEAT_GRACE = int(os.environ.get("JOB_HEARTBEAT_GRACE", 90))
    # SPEC §4 / issue #12: minutes between two deadline escalation scans (jobs/schedule.py)
    SLA_SCAN_MINUTES = int(os.environ.get("SLA_SCAN_MINUTES", 5))
    # Recalculations (backoffice.recalc): clients written per batch (progress moves per batch),
    # and the key-account profit share (SPEC §3.4 / seed 001 "如10%": a default, editable).
    RECALC_BATCH_SIZE = int(os.environ.get("RECALC_BATCH_SIZE", 20000))
    KEY_ACCOUNT_PROFIT_SHARE = os.environ.get("KEY_ACCOUNT_PROFIT_SHARE", "0.10")
    # Imports (SPEC §9): files over this many rows are imported by a job on the "default" queue;
    # uploads over IMPORT_MAX_BYTES are refused (64 MB: a year of purchases of 83,000 clients,
    # a million rows, is a 41 MB CSV); uploads are kept (by hash) in IMPORT_FOLDER, which every
    # worker must see (default: instance/imports). After writing IMPORT_ANALYZE_ROWS rows or
    # more, an import refreshes PostgreSQL's statistics of the table (apply.refresh_statistics).
    IMPORT_JOB_THRESHOLD = int(os.environ.get("IMPORT_JOB_THRESHOLD", 5000))
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 64 * 1024 * 1024))
    IMPORT_ANALYZE_ROWS = int(os.environ.get("IMPORT_ANALYZE_ROWS", 10000))
    IMPORT_FOLDER = os.environ.get("IMPORT_FOLDER") or None
    # Public survey page (SPEC §7): fixed-window limits per client IP and per token, counted in
    # Redis when REDIS_URL is set (shared by every web process), else in this process.
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1").lower() not in ("0", "false", "no")
    SURVEY_RATE_LIMIT = os.environ.get("SURVEY_RATE_LIMIT", "20 per minute")
    SURVEY_TOKEN_RATE_LIMIT = os.environ.get("SURVEY_TOKEN_RATE_LIMIT", "10 per minute")
    # Survey-answer imports over this many rows run as a job on the "surveys" queue.
    SURVEY_IMPORT_JOB_THRESHOLD = int(os.environ.get("SURVEY_IMPORT_JOB_THRESHOLD", 5000))
    WTF_CSRF_ENABLED = True
    # Security (issue #9; backoffice/security/web.py, signin.py). The session cookie is never
    # readable by scripts, not sent on cross-site sub-requests or POSTs, and only over HTTPS in
    # production. The CSRF token lives as long as the session (a form left open all day still posts).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = ENV_NAME == "production"
    # Production (issue #16): the remember-me cookie follows the session cookie; links that
    # url_for builds outside a request (e-mails, job summaries) are https (TLS ends at the proxy).
    REMEMBER_COOKIE_SECURE = ENV_NAME == "production"
    REMEMBER_COOKIE_HTTPONLY = True
    PREFERRED_URL_SCHEME = "https" if ENV_NAME == "production" else "http"
    # Request time limit (issue #16, backoffice/views/time_limit.py): on PostgreSQL every
    # statement run for a web request is cancelled by the server past this many seconds, and the
    # request is answered 503 with a message in the user's language. 0 switches it off (the
    # default in development, where long in-process jobs run inside a request). RQ workers never
    # have it: their statements do not run in a request. gunicorn's own timeout (gunicorn.conf.py)
    # is a last resort above it.
    # List screens count at most this many records, then say "more than 2,000"
    # (backoffice/views/list_count.py, issue #16); 0: FAB's exact count.
    LIST_COUNT_CAP = int(os.environ.get("LIST_COUNT_CAP", 2000))
    REQUEST_TIME_LIMIT = _seconds("REQUEST_TIME_LIMIT", 30.0 if ENV_NAME == "production" else 0.0)
    WTF_CSRF_TIME_LIMIT = None
    # Sign-in throttling (Flask-Limiter through FAB; counters in Redis when REDIS_URL is set,
    # RATELIMIT_STORAGE_URI overrides): FAB's burst limit per address on every attempt, then
    # failed attempts per user name and per address. Past a limit even the right password is
    # refused (429, in the user's language) until the window has passed.
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 20 second")
    LOGIN_FAILURE_LIMIT_USER = os.environ.get("LOGIN_FAILURE_LIMIT_USER", "5 per 15 minutes")
    LOGIN_FAILURE_LIMIT_IP = os.environ.get("LOGIN_FAILURE_LIMIT_IP", "30 per 15 minutes")
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        RATELIMIT_STORAGE_URI = os.environ["RATELIMIT_STORAGE_URI"]

    APP_NAME = "客户服务后台"
    APP_THEME = ""
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    FAB_API_SWAGGER_UI = True
    FAB_ADD_SECURITY_API = False
    FAB_UPDATE_PERMS = False  # permissions are synced by `flask backoffice init`, not at every boot
    FAB_CREATE_DB = False  # the schema comes from Alembic migrations, not create_all
    FAB_API_MAX_PAGE_SIZE = 500
    # FAB's security manager with one permission query per request instead of one per check
    # (backoffice/security/access_cache.py, issue #16).
    FAB_SECURITY_MANAGER_CLASS = "backoffice.security.access_cache.SecurityManager"

    # SPEC §10: Simplified Chinese by default; zh_HK is FAB's Traditional Chinese catalogue.
    BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "zh")
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "简体中文"},
        "zh_HK": {"flag": "hk", "name": "繁體中文"},
        "en": {"flag": "gb", "name": "English"},
    }
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    BUSINESS_TIMEZONE = "Asia/Shanghai"
    # SPEC §4 business hours for SLA deadlines (services/calendar.py), "HH:MM" in BUSINESS_TIMEZONE.
    SLA_BUSINESS_OPENS = os.environ.get("SLA_BUSINESS_OPENS", "09:00")
    SLA_BUSINESS_CLOSES = os.environ.get("SLA_BUSINESS_CLOSES", "17:30")

    def __init__(self):
        if self.SECRET_KEY is None:
            self.SECRET_KEY = _secret_key(self.ENV_NAME)
