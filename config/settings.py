"""One settings module for every environment, driven by environment variables.

Every knob has a default that works on a fresh checkout (SQLite under var/, private
files on local disk under var/); production sets the variables listed in README.md.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default)
    if value not in ("", "0", "1", "True", "False", "true", "false"):
        raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")
    return value in ("1", "True", "true")


def envint(name: str, default: int) -> int:
    try:
        return int(os.getenv(name, default))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer") from exc


def envfloat(name: str, default: float) -> float:
    try:
        return float(os.getenv(name, default))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number") from exc


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "False")
# The site runs on more than one machine (web hosts and workers; docs/deploy.md): they share
# PostgreSQL and the S3 bucket and nothing else, so each must get SECRET_KEY from its environment
# (the same on all: sessions, password resets and signed values are checked with it on any
# host), a PostgreSQL DATABASE_URL and the bucket. On by default when the files are on S3.
SEVERAL_HOSTS = envbool("SEVERAL_HOSTS", "True" if os.getenv("AWS_STORAGE_BUCKET_NAME") else "False")


def _secret_key() -> str:
    # The run command writes var/secret_key on first start, so that manage.py commands
    # in the same checkout share the site's key without anyone exporting it.
    if os.getenv("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if SEVERAL_HOSTS:
        raise ImproperlyConfigured(
            "SEVERAL_HOSTS is on (by default when AWS_STORAGE_BUCKET_NAME is set): export SECRET_KEY, the same "
            "on every host; var/secret_key is one machine's own file. On a single host set SEVERAL_HOSTS=False."
        )
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if DEBUG:
        return "insecure-development-key-only-for-debug"
    raise ImproperlyConfigured(
        "SECRET_KEY is not set and var/secret_key does not exist: run scripts/run once, "
        "or export SECRET_KEY (or DEBUG=True for development)."
    )


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_NAME = os.getenv("SITE_NAME", "ILSVRC Challenge Server")

INSTALLED_APPS = [
    # Django's admin, whose own password-change form is braked like sign-in (challenge.accounts.admin_site).
    "challenge.accounts.admin_config.BrakedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The challenge app keeps the migrations that made its tables; its areas own them now.
    "challenge",
    "challenge.accounts",
    "challenge.audit",
    "challenge.competition",
    "challenge.teams",
    "challenge.datafiles",
    "challenge.notices",
    "challenge.annotation",
    "submissions",
    "submissions.leaderboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RejectNulCharactersMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "config.storage_errors.StorageUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    # Last, so that its 413 still gets the headers above; it runs before anything reads the body.
    "config.limits.RequestBodyLimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.site",
            ],
        },
    },
]

# SQLite is the embedded default for trying the site; PostgreSQL in production and tests.
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every atomic() block take SQLite's write lock first, so that quota
    # checks under several gunicorn workers serialize instead of failing with "locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint("DB_CONNECT_TIMEOUT", 5)
if SEVERAL_HOSTS and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("SEVERAL_HOSTS is on: set DATABASE_URL to the PostgreSQL database every host shares.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Every sign-in (the page, the admin, the API's token endpoint) passes the brake in this backend.
AUTHENTICATION_BACKENDS = ["challenge.accounts.signin.BrakedModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "challenge:home"
LOGOUT_REDIRECT_URL = "challenge:home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Private files (ground truth, prediction files, hosted data) are never given a public URL:
# local disk under var/ by default, an S3 bucket when AWS_STORAGE_BUCKET_NAME is set.
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", VAR_DIR / "private"))
AWS_STORAGE_BUCKET_NAME = os.getenv("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.getenv("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.getenv("AWS_S3_REGION_NAME", "us-east-1"),
            "addressing_style": os.getenv("AWS_S3_ADDRESSING_STYLE", "auto"),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": envint("AWS_QUERYSTRING_EXPIRE", 300),
            "file_overwrite": False,
        },
    }
else:
    if SEVERAL_HOSTS:
        raise ImproperlyConfigured("SEVERAL_HOSTS is on: set AWS_STORAGE_BUCKET_NAME (one host's disk is not shared).")
    PRIVATE_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: Django refuses form fields above this and spools files above that to disk; each
# split refuses a file above its own limit before reading it (submissions.scoring.max_upload_bytes
# of its kind and images), and config.limits a request above the largest of them, or above
# MAX_UPLOAD_BYTES when set (0: derived from the splits), before reading it.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
MAX_UPLOAD_BYTES = envint("MAX_UPLOAD_BYTES", 0)
DATA_FILE_MAX_UPLOAD_BYTES = envint("DATA_FILE_MAX_UPLOAD_BYTES", 256 * 1024 * 1024)
# Each file of a class set imported on the organizer pages (ImageNet's 30,000 synsets take ~5 MB).
CLASS_SET_MAX_UPLOAD_BYTES = envint("CLASS_SET_MAX_UPLOAD_BYTES", 64 * 1024 * 1024)

EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "challenge@localhost")

# How many reverse proxies of ours stand in front of gunicorn (see config.network.client_address):
# 0 trusts no X-Forwarded-For entry, since any client can write that header.
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's tokens, each working only under the password it was issued with.
        "challenge.accounts.tokens.PasswordBoundTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.api_errors.BoundedLimitOffsetPagination",
    "EXCEPTION_HANDLER": "config.api_errors.api_exception_handler",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_RATES": {
        "token": os.getenv("THROTTLE_TOKEN", "10/min"),
        "submission": os.getenv("THROTTLE_SUBMISSION", "30/min"),
    },
    # Our throttles (config.throttles) ask config.network.client_address; DRF's own would read this.
    "NUM_PROXIES": TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ILSVRC Challenge Server API",
    "DESCRIPTION": "Years, teams, submissions and leaderboards. Ground truth is never exposed.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc assets come from drf-spectacular-sidecar via our static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CACHES = {
    # Each process's own memory: stored leaderboard pages and anonymous responses.
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
# Seconds a process keeps the lookup of a leaderboard page (see leaderboards.selectors.stored_pages).
LEADERBOARD_CACHE_SECONDS = envint("LEADERBOARD_CACHE_SECONDS", 1)
# A split's boards are updated at most once per this many seconds by the ranking workers (the
# changes of one window together; see leaderboards.services.rebuild_due_boards). 0: as soon as a
# change commits, which costs what the change moves, not the board.
LEADERBOARD_REBUILD_SECONDS = envint("LEADERBOARD_REBUILD_SECONDS", 0)
# Rows per stored segment of a board (leaderboards.segments): what a change rewrites.
LEADERBOARD_SEGMENT_ROWS = envint("LEADERBOARD_SEGMENT_ROWS", 100)

# Production hardening; `manage.py check --deploy` is clean with DEBUG off.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "False" if DEBUG else "True")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "False" if DEBUG else "True")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "False")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = os.getenv(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'",
)
if envbool("SILENCE_HSTS_PRELOAD_CHECK", "True"):
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Demo and organizer bootstrap (scripts/run); see README.
ORGANIZER_GROUP = "Organizers"

# A data-file download link on S3 stays valid this long.
DATA_FILE_URL_SECONDS = envint("DATA_FILE_URL_SECONDS", 60)
# Sign-in brake (challenge.accounts.signin): this many failures for one username (from any address), or
# from one client address (for any username), lock it for the window.
SIGNIN_MAX_FAILURES = envint("SIGNIN_MAX_FAILURES", 5)
SIGNIN_MAX_ADDRESS_FAILURES = envint("SIGNIN_MAX_ADDRESS_FAILURES", 30)
SIGNIN_LOCKOUT_SECONDS = envint("SIGNIN_LOCKOUT_SECONDS", 900)
# Brakes on what mails strangers (challenge.accounts.services, counted by challenge.accounts.rates):
# sign-ups per client address an hour, and per e-mail a day (new confirmation links count there too);
# password-reset requests per client address and per e-mail an hour.
SIGNUPS_PER_CLIENT_PER_HOUR = envint("SIGNUPS_PER_CLIENT_PER_HOUR", 5)
SIGNUPS_PER_EMAIL_PER_DAY = envint("SIGNUPS_PER_EMAIL_PER_DAY", 5)
PASSWORD_RESETS_PER_CLIENT_PER_HOUR = envint("PASSWORD_RESETS_PER_CLIENT_PER_HOUR", 5)
PASSWORD_RESETS_PER_EMAIL_PER_HOUR = envint("PASSWORD_RESETS_PER_EMAIL_PER_HOUR", 3)
# A scoring worker refreshes its claim on the submission it scores this often (a heartbeat);
# a claim three beats silent is a dead worker's, and another worker scores the submission.
SCORING_HEARTBEAT_SECONDS = envfloat("SCORING_HEARTBEAT_SECONDS", 5)
# A claim made without heartbeats (a one-off score_submission call) is a dead worker's after this.
SCORING_STALE_CLAIM_SECONDS = envint("SCORING_STALE_CLAIM_SECONDS", 600)
# Prediction files a web worker process validates at once (submissions.services); one more upload
# is answered 503 with Retry-After, so a burst of large files cannot hold every thread's CPU.
VALIDATIONS_PER_WORKER = envint("VALIDATIONS_PER_WORKER", 2)
# Links in e-mails (challenge/notices/mail.py) start with this address, as teams reach the site; without
# it, the address the run command serves on (its PORT).
SITE_URL = (os.getenv("SITE_URL") or f"http://127.0.0.1:{os.getenv('PORT') or '8000'}").rstrip("/")
# Invitations a team may e-mail per day, so that the invitation form cannot be used to spam.
INVITATIONS_PER_TEAM_PER_DAY = envint("INVITATIONS_PER_TEAM_PER_DAY", 20)
