"""kam settings, driven by environment variables (see README: Configuration)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("KAM_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
SECRET_KEY_FILE = VAR_DIR / "secret_key"
if not SECRET_KEY and SECRET_KEY_FILE.exists():
    # Written by `make run` (or ./manage.py) on a local machine; deployments set SECRET_KEY.
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip()
if not SECRET_KEY:
    if DEBUG:
        # A development key is acceptable only with DEBUG on; production must set its own.
        SECRET_KEY = "kam-insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not DEBUG else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "ninja",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "kam.core",
    "kam.org",
    "kam.access",
    "kam.customers",
    "kam.relationships",
    "kam.opportunities",
    "kam.insights",
    "kam.insights.learning",
    "kam.activities",
    "kam.planning",
    "kam.planning.approvals",
    "kam.planning.initiation",
    "kam.planning.bids",
    "kam.planning.competition",
    "kam.planning.swot",
    "kam.planning.checklists",
    "kam.planning.fishbone",
    "kam.planning.winloss",
    "kam.planning.accountplans",
    "kam.delivery",
    "kam.notifications",
    "kam.workbench",
    "kam.imports",
    "kam.reports",
    "kam.team",
    "kam.team.stars",
    "kam.team.commission",
    "kam.team.contests",
    "kam.team.skills",
    "kam.team.playbook",
    "auditlog",
    "kam.audit",
    "kam.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost with SecurityMiddleware, so even an answer a middleware below gives on its own has them.
    "csp.middleware.CSPMiddleware",
    "kam.core.headers.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (its static answers come pre-compressed and never reach this), above every
    # middleware that reads or keeps the body (the page cache keeps it uncompressed).
    "kam.core.compression.PageGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kam.core.api.middleware.ApiJsonErrorsMiddleware",  # inside Locale: its messages are translated
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A read-only request works out who sees which deals once (kam.core.requestmemo).
    "kam.core.requestmemo.RequestMemoMiddleware",
    # Lets the money filters find the reader's display unit (元 / 万元) without a query of their own.
    "kam.core.money_unit.MoneyUnitMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kam.access.mfa.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # django-auditlog's, reading the actor when an entry is written (an API token signs in later).
    "kam.core.audit.AuditMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After every check above (sign-in, second factor, messages): only the view itself is skipped.
    "kam.core.pagecache.PageCacheMiddleware",
    # Runs the report views itself (their reads routed to a replica, when there is one): after
    # every other middleware that looks at the view.
    "kam.core.dbrouter.ReportsDatabaseMiddleware",
    # Last, as django-axes asks: turns a lockout into the login page with its message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kam.urls"
WSGI_APPLICATION = "kam.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kam.access.context_processors.top_bar",
            ],
        },
    }
]

# SQLite by default, tuned for concurrent use: WAL, a busy timeout, and IMMEDIATE transactions
# so a read-then-write transaction waits for the lock instead of failing at once.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(Path(os.environ.get("KAM_SQLITE_PATH", VAR_DIR / "kam.sqlite3"))),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
    # A worker keeps its connection (as on PostgreSQL): no reopening per request, and the page
    # cache's SQLite change marker counts from the connection's opening.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("KAM_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ""

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# An index's INCLUDE columns serve PostgreSQL; SQLite makes the same index without them, as meant
# (opportunity_owner_sort_idx).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# A PostgreSQL streaming replica for the reports (kam.core.dbrouter), when one server no longer
# carries both: README "Running on PostgreSQL".
REPORTS_DATABASE_URL = os.environ.get("REPORTS_DATABASE_URL", "")
if REPORTS_DATABASE_URL:
    DATABASES["reports"] = dj_database_url.parse(REPORTS_DATABASE_URL, conn_max_age=60)
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["kam.core.dbrouter.ReportsRouter"]
KAM_REPORT_VIEWS = (
    "forecast:page",
    "forecast:export",
    "forecast:funnel",
    "analysis:changes",
    "analysis:accuracy",
    "analysis:portfolio",
    "analysis:matrix",
    "customers:pyramid",
    "customers:export",
    "audit:export",
    "api:get_forecast",
    "api:get_funnel",
    "api:analysis_changes",
    "api:analysis_accuracy",
    "api:analysis_portfolio",
    "api:analysis_matrix",
    "api:customer_pyramid",
    "api:export_customers",
    # The management cadence's reports (kam.reports): pages, workbooks and JSON.
    "reports:weekly",
    "reports:weekly_export",
    "reports:review",
    "reports:review_export",
    "reports:sales",
    "reports:sales_export",
    "api:report_weekly",
    "api:report_review",
    "api:report_sales",
)

# The busiest reads served again while the database has not changed (kam.core.pagecache): a rep's
# pipeline page and the API list. 0 turns it off.
KAM_PAGE_CACHE_SECONDS = int(os.environ.get("KAM_PAGE_CACHE_SECONDS", "30"))
KAM_PAGE_CACHE_VIEWS = ("opportunities:pipeline", "api:list_opportunities")
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out user name or address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's, reading the signed-in user of each request in one statement kept compiled.
    "kam.access.backends.ModelBackend",
]
# Django's database sessions, read in one plain statement (kam.core.sessions).
SESSION_ENGINE = "kam.core.sessions"

# Sign-in protection (README: Sign-in protection and two-factor authentication). A user name is
# locked after KAM_LOGIN_FAILURES_PER_USER failed passwords, an address after
# KAM_LOGIN_FAILURES_PER_ADDRESS (whatever user names it tries), for KAM_LOGIN_LOCKOUT_MINUTES
# after the last failure (kam.org.lockout). Wrong API tokens are throttled per address the same
# way (kam.org.auth). Behind reverse proxies set KAM_PROXY_COUNT to their number, so the address
# is the client's (read from X-Forwarded-For), not the proxy's.
KAM_LOGIN_FAILURES_PER_USER = int(os.environ.get("KAM_LOGIN_FAILURES_PER_USER", "5"))
KAM_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("KAM_LOGIN_FAILURES_PER_ADDRESS", "20"))
KAM_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("KAM_LOGIN_LOCKOUT_MINUTES", "15"))
KAM_TOKEN_FAILURES_PER_ADDRESS = int(os.environ.get("KAM_TOKEN_FAILURES_PER_ADDRESS", "20"))
KAM_PROXY_COUNT = int(os.environ.get("KAM_PROXY_COUNT", "0"))
AXES_HANDLER = "kam.org.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]  # the order LockoutHandler reads them in
AXES_FAILURE_LIMIT = KAM_LOGIN_FAILURES_PER_USER
AXES_COOLOFF_TIME = timedelta(minutes=KAM_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_CALLABLE = "kam.org.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "kam.org.lockout.client_address"
# Two-factor authentication (django-otp, TOTP): optional for everyone; with KAM_REQUIRE_MFA=1
# administrators and directors must set it up before anything else (kam.access.mfa).
KAM_REQUIRE_MFA = env_bool("KAM_REQUIRE_MFA", False)
OTP_TOTP_ISSUER = "kam"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["kam.formats"]
FIRST_DAY_OF_WEEK = 1
# Whether amounts are shown in 万元 in zh-Hans reports and charts.
KAM_AMOUNT_UNIT_WAN = env_bool("KAM_AMOUNT_UNIT_WAN", True)
# Project number pattern: prefix + year + yearly sequence, e.g. XM-2026-0001.
KAM_PROJECT_NUMBER_PREFIX = os.environ.get("KAM_PROJECT_NUMBER_PREFIX", "XM")
# Contract and service request numbers: str.format patterns with {year} and {seq} (yearly sequence).
KAM_CONTRACT_NUMBER_PATTERN = os.environ.get("KAM_CONTRACT_NUMBER_PATTERN", "HT-{year}-{seq:04d}")
KAM_SERVICE_NUMBER_PATTERN = os.environ.get("KAM_SERVICE_NUMBER_PATTERN", "FW-{year}-{seq:05d}")
# Contract attachments: the largest file accepted and the file types allowed (by extension).
KAM_ATTACHMENT_MAX_BYTES = int(os.environ.get("KAM_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
KAM_ATTACHMENT_TYPES = ("pdf", "doc", "docx", "xls", "xlsx", "png", "jpg", "jpeg", "zip")
# Uploaded files (contract attachments) are private: kept here and served only through views that
# check who may see them, never under a public media URL.
MEDIA_ROOT = Path(os.environ.get("KAM_MEDIA_ROOT", VAR_DIR / "media"))

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# WhiteNoise warns for a missing root before the first collectstatic (tests, fresh checkouts).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "kam.core.storage.StaticStorage"
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy on every response (django-csp). Scripts and styles come only from our own
# static files: no inline <script>, no on*= handlers, no eval. Inline style="" attributes are
# allowed (style-src-attr) for colours and sizes computed per record and ECharts' HTML tooltips;
# <style> elements are not. README: Security headers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no kam page uses (kam.core.headers.PermissionsPolicyMiddleware).
KAM_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
# Behind https (set KAM_HTTPS=1): secure cookies and HSTS. Plain-http local use keeps them off,
# otherwise the login cookie would never be sent back on http://127.0.0.1:8000.
if env_bool("KAM_HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("KAM_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("KAM_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# A request body (forms and JSON; uploaded files are not counted) past 1 MiB is refused: the longest
# text kam keeps is a note of 10,000 characters, so a larger body is a mistake or an attack.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

# Background work (score recomputes, snapshots) goes through Django's task interface. The database
# backend needs no broker: `kam db_worker` runs what was enqueued. KAM_TASKS_BACKEND=immediate runs
# every task in the process that enqueued it (no worker needed; slower requests on big recomputes).
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[os.environ.get("KAM_TASKS_BACKEND", "database")]}}

# Outgoing e-mail (notifications and the weekly digest). With KAM_EMAIL_HOST unset, mail is printed
# to the console instead of sent, so a development machine never mails anyone by mistake.
EMAIL_HOST = os.environ.get("KAM_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("KAM_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("KAM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KAM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KAM_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("KAM_EMAIL_FROM", "kam <kam@localhost>")
# Links in e-mails and group-robot messages are absolute: the address people open kam at.
KAM_BASE_URL = os.environ.get("KAM_BASE_URL", "").rstrip("/")
# Group-robot posts: seconds before a webhook call gives up, and how many tries a send gets.
KAM_WEBHOOK_TIMEOUT = float(os.environ.get("KAM_WEBHOOK_TIMEOUT", "5"))
KAM_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("KAM_DELIVERY_MAX_ATTEMPTS", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

KAM_ADMIN_SITE_TITLE = _("kam administration")
