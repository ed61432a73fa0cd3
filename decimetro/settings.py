"""Decimetro settings: everything that differs between machines comes from the environment.

Variables: DECIMETRO_ENV (development|production|test), SECRET_KEY, DEBUG, ALLOWED_HOSTS, DATABASE_URL,
STATIC_ROOT, CSRF_TRUSTED_ORIGINS, CACHE_URL, DECIMETRO_TERRITORY_UTS (ISTAT UTS code of the territory,
215 = CMM), DECIMETRO_MODEL_DIR (trained models, default var/models).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DECIMETRO_ENV = os.environ.get("DECIMETRO_ENV", "development")
PRODUCTION = DECIMETRO_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    # DEBUG pages show settings, SQL and source to anyone: a production instance does not start with it.
    raise ImproperlyConfigured("DEBUG must be off when DECIMETRO_ENV=production (unset DEBUG or DEBUG=false)")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DECIMETRO_ENV=production")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - development default only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "decimetro.core",
    "decimetro.plan",
    "decimetro.territory",
    "decimetro.pnrr",
    "decimetro.linking",
    "decimetro.monitoring",
    "decimetro.participation",
    "decimetro.insights",
    "decimetro.search",
    "decimetro.follow",
    "decimetro.reports",
    "decimetro.public",
    "decimetro.backoffice",
    "decimetro.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Whole pages for anonymous visitors per data version (before CSP: a stored page keeps its final headers).
    "decimetro.public.pagecache.PageCacheMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy: see CONTENT_SECURITY_POLICY below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "decimetro.core.locale.ChosenLanguageMiddleware",  # Italian unless chosen by the switch
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out login (django-axes) into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "decimetro.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "decimetro" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "decimetro.public.context_processors.pnrr_freshness",
            ],
        },
    },
]

WSGI_APPLICATION = "decimetro.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'decimetro.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL: a long read (a streamed export) does not block the short writes of other requests (the export
    # slots of reports.limits, sessions), nor they the read. Kept by the file once set; no effect in memory.
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

# One cache shared by every web and worker process when CACHE_URL is set (redis://… or rediss://…: Django's
# RedisCache, which needs the `redis` package); without it each process keeps its own memory cache.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL in ("", "locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured("CACHE_URL must start with redis:// or rediss:// (or be empty: memory cache)")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's own, with an Italian message (the upstream Italian catalog lacks this 5.2 message).
    {"NAME": "decimetro.core.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login hardening (django-axes): after AXES_FAILURE_LIMIT failed logins for the same username from the same
# IP address the pair is locked out for AXES_COOLOFF_TIME; after DECIMETRO_LOGIN_IP_FAILURE_LIMIT failures
# from one IP address, whatever the usernames (password spraying), the whole address is
# (decimetro.core.security.LoginLockoutHandler: axes has one limit for all its parameters; an office behind
# one address gets more room than one account). The lockout page explains it in Italian (HTTP 429).
# The rules backend answers `user.has_perm("plan.edit", obj)` from decimetro.core.permissions.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "rules.permissions.ObjectPermissionBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "decimetro.core.security.LoginLockoutHandler"
DECIMETRO_LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("AXES_IP_FAILURE_LIMIT", "20"))
# Password reset by email (/accesso/password/): requests per IP address in 15 minutes (beyond: 429) and emails
# per address in an hour (beyond: the same page, no email). Counted in the cache (shared with CACHE_URL).
DECIMETRO_PASSWORD_RESET_IP_LIMIT = int(os.environ.get("DECIMETRO_PASSWORD_RESET_IP_LIMIT", "5"))
DECIMETRO_PASSWORD_RESET_EMAIL_LIMIT = int(os.environ.get("DECIMETRO_PASSWORD_RESET_EMAIL_LIMIT", "3"))
# Requests per minute with one API token (the write API, decimetro/api/auth.py); more → 429 with Retry-After.
DECIMETRO_API_TOKEN_RATE_LIMIT = int(os.environ.get("DECIMETRO_API_TOKEN_RATE_LIMIT", "60"))
# Follow by email (/segui/): subscriptions per IP address in an hour (beyond: 429), confirmation emails per
# address in an hour (beyond: the same page, no email), hours a confirmation link stays valid.
DECIMETRO_FOLLOW_IP_LIMIT = int(os.environ.get("DECIMETRO_FOLLOW_IP_LIMIT", "10"))
DECIMETRO_FOLLOW_EMAIL_LIMIT = int(os.environ.get("DECIMETRO_FOLLOW_EMAIL_LIMIT", "3"))
DECIMETRO_FOLLOW_CONFIRM_HOURS = int(os.environ.get("DECIMETRO_FOLLOW_CONFIRM_HOURS", "72"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "decimetro.core.security.lockout_response"
# Behind N trusted reverse proxies set AXES_PROXY_COUNT=N: the client IP is then read from X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "decimetro.core.security.client_ip"
DECIMETRO_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0"))

# Email: the console locally (invitation links are printed), SMTP in production unless set otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Decimetro <noreply@decimetro.invalid>")
# Absolute links in emails (invitations): e.g. https://decimetro.example.org; empty = from the request.
DECIMETRO_SITE_URL = os.environ.get("DECIMETRO_SITE_URL", "").rstrip("/")
DECIMETRO_INVITATION_DAYS = int(os.environ.get("DECIMETRO_INVITATION_DAYS", "7"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "backoffice:desk"  # "La mia scrivania"; a `next` still wins
LOGOUT_REDIRECT_URL = "public:home"

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italiano")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "decimetro" / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"

# Security: secure by default, stricter in production.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the form, never from JS; kept default for admin
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts, styles, fonts, images and connections only from this site (no
# map tiles: the maps draw the ISTAT boundaries), data: images and fonts (Bootstrap Italia's CSS), no plugins.
# No inline script, style="" or <style> in any template: JavaScript is in static/js, CSS in static/css.
# Framing is refused here, in one place; a page meant to be embedded (a later issue's /embed/) is wrapped in
# decimetro.core.security.embeddable, which allows DECIMETRO_EMBED_FRAME_ANCESTORS for that page only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "connect-src": [CSP_SELF],
        "font-src": [CSP_SELF, "data:"],  # Bootstrap Italia's CSS embeds the video player's icon font
        "frame-ancestors": [CSP_NONE],
        "form-action": [CSP_SELF],
        "base-uri": [CSP_SELF],
        "object-src": [CSP_NONE],
    },
}
DECIMETRO_EMBED_FRAME_ANCESTORS = env_list("DECIMETRO_EMBED_FRAME_ANCESTORS", "*")
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Background work: django-tasks (the API Django 6 adopted) on its database backend, so SQLite in development
# and PostgreSQL in production need no broker; `manage.py db_worker` runs the queue (`make run` starts one).
# Tests run tasks in-process with the immediate backend unless a test starts a real worker.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DECIMETRO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A worker (`manage.py worker`) whose heartbeat is older than this is dead: its tasks go back to the queue.
DECIMETRO_WORKER_STALE_SECONDS = int(os.environ.get("DECIMETRO_WORKER_STALE_SECONDS", "60"))

# Decimetro
DECIMETRO_TERRITORY_UTS = os.environ.get("DECIMETRO_TERRITORY_UTS", "215")
# Seconds a process keeps the Web GIS values of a map state (decimetro/insights/map.py; 0 = no cache).
# The key holds a version of the data (last import, audit row, project, place, payment, link, comune), so a
# change is seen at once; the time only bounds what the version cannot see.
DECIMETRO_MAP_CACHE_SECONDS = int(os.environ.get("DECIMETRO_MAP_CACHE_SECONDS", "600" if PRODUCTION else "0"))
# Seconds the cache (CACHE_URL) keeps a whole public page for anonymous visitors (0 = off; see
# decimetro/public/pagecache.py). Keyed on the data version, the language, the day and the deployed code.
DECIMETRO_PAGE_CACHE_SECONDS = int(
    os.environ.get("DECIMETRO_PAGE_CACHE_SECONDS", "600" if PRODUCTION else "0")
)
# Paths never cached whole (pages of logged-in people, login, the health check, the language switch).
DECIMETRO_PAGE_CACHE_EXCLUDE = [
    "/gestione/",
    "/scrivania/",
    "/profilo/",
    "/invito/",
    "/accesso/",
    "/uscita/",
    "/salute/",
    "/lingua/",
    "/i18n/",
    "/admin/",
]
# The heavy pages' figures precomputed per data version by a task after every change (decimetro/insights/
# precomputed.py), so that the first request after an import reads them instead of grouping every project.
DECIMETRO_PRECOMPUTED_FIGURES = env_bool("DECIMETRO_PRECOMPUTED_FIGURES", default=PRODUCTION)
# Trained models (the linking classifier: manifest.json + model.npz, never a pickle); `make run` trains one.
DECIMETRO_MODEL_DIR = Path(os.environ.get("DECIMETRO_MODEL_DIR", BASE_DIR / "var" / "models"))
# Heavy exports (the project list, the data-quality problems) running at once on the whole instance; beyond
# them a download gets a 429 with Retry-After, so that the web workers stay free for the pages.
DECIMETRO_EXPORT_SLOTS = int(os.environ.get("DECIMETRO_EXPORT_SLOTS", "2"))
