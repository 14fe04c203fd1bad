"""Settings for jctgov, read from the environment in this one module.

Embedded default (no env vars): SQLite, a SQLAlchemy/SQLite Celery broker, a local Anvil.
Production and CI: DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis), CHAIN_RPC_URL.
"""

from pathlib import Path

import dj_database_url

from jctgov.env import env, envbool, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("JCTGOV_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DJANGO_DEBUG", True)
if DEBUG:
    # Development only: a fixed, clearly fake key. Production must set DJANGO_SECRET_KEY.
    SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-insecure-jctgov-secret-key-do-not-use-in-production")
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
    if not SECRET_KEY:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "jctgov.core",
    "jctgov.wallets",
    "jctgov.chain",
    "jctgov.market",
    "proposals",
    "grants",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jctgov.core.middleware.HostileInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jctgov.urls"
WSGI_APPLICATION = "jctgov.wsgi.application"

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
                "jctgov.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jctgov.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the worker share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so a Celery worker subprocess in tests can open the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

AUTH_USER_MODEL = "wallets.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# In development WhiteNoise serves straight from the app folders; production serves collectstatic output.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

SESSION_COOKIE_AGE = 7 * 24 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DJANGO_MAX_BODY_BYTES", 256 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jctgov.core.auth.WalletSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["jctgov.core.parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "jctgov.core.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "jctgov.core.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "jctgov.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The client of a throttled request is REMOTE_ADDR, or the address this many trusted
    # proxies in front of the app put in X-Forwarded-For. DRF's default (None) takes the whole
    # X-Forwarded-For header, which any client can set to get a fresh bucket per request.
    "NUM_PROXIES": envint("JCTGOV_TRUSTED_PROXIES", 0),
    # Per-client rates for the endpoints anyone can hit; 429 answers carry Retry-After.
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("JCTGOV_RATE_AUTH", "60/min"),
        "vote": env("JCTGOV_RATE_VOTE", "600/min"),
        "heartbeat": env("JCTGOV_RATE_HEARTBEAT", "600/min"),
    },
}

# Throttle counters and page caches: Redis in production (shared by all workers), memory otherwise.
CACHE_URL = env("CACHE_URL", "")
CACHES = {
    # Degrades to "no cache" while Redis is down: nothing in it is a record (jctgov/core/cache.py).
    "default": {"BACKEND": "jctgov.core.cache.ResilientRedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
SPECTACULAR_SETTINGS = {
    "TITLE": "jctgov API",
    "DESCRIPTION": "Janction governance, grants and marketplace services. "
    'Every error is {"error": {"code", "message", "field"?}} with a 4xx status.',
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jctgov.core.schema.add_error_responses",
    ],
}

# --- Sign-In with Ethereum ------------------------------------------------------------
SIWE_NONCE_TTL_S = 600
SIWE_MAX_CLOCK_SKEW_S = 600

# --- Chain ------------------------------------------------------------------------------
CHAIN_RPC_URL = env("CHAIN_RPC_URL", "http://127.0.0.1:8545")
CHAIN_ID = envint("CHAIN_ID", 31337)
CHAIN_RPC_TIMEOUT_S = envint("CHAIN_RPC_TIMEOUT_S", 10)
CHAIN_DEPLOYMENTS_FILE = Path(env("CHAIN_DEPLOYMENTS_FILE", str(VAR_DIR / "deployments.json")))

# --- Market -----------------------------------------------------------------------------
# USD per JCT for quoting JCT payments. Development uses a fixed demo price; production must set
# it (empty: JCT quotes stay in USD and are converted at settlement).
MARKET_JCT_USD_PRICE = env("JCTGOV_JCT_USD_PRICE", "0.10" if DEBUG else "")
# The relayer key (historically "executor") pays gas to submit Safe transactions that already
# carry enough steward signatures, and executes ready timelock operations (open to anyone). It
# holds no role on any contract. It comes from the environment (or a keystore) only.
JCTGOV_EXECUTOR_KEY = env("JCTGOV_EXECUTOR_KEY", "")
JCTGOV_EXECUTOR_KEYSTORE = env("JCTGOV_EXECUTOR_KEYSTORE", "")
JCTGOV_EXECUTOR_KEYSTORE_PASSWORD = env("JCTGOV_EXECUTOR_KEYSTORE_PASSWORD", "")
# How long a worker's claim on a chain write (a timelock step, a payout) lasts. A worker that
# crashed mid-step leaves its claim behind; after this long another may reconcile from the chain.
JCTGOV_CHAIN_LEASE_S = envint("JCTGOV_CHAIN_LEASE_S", 300)
# The default of governance.timelock_delay_s, which is also the timelock's on-chain minDelay at
# deploy. Two days in production; `make run` sets a short dev delay (JCTGOV_TIMELOCK_DELAY_S=120).
# The stewards' Safe a dev chain deploys (`manage.py devchain`, `make run`): owners
# comma-separated (default: Anvil account #0, the demo steward) and threshold.
JCTGOV_SAFE_OWNERS = env("JCTGOV_SAFE_OWNERS", "")
JCTGOV_SAFE_THRESHOLD = envint("JCTGOV_SAFE_THRESHOLD", 1)
JCTGOV_TIMELOCK_DELAY_S = envint("JCTGOV_TIMELOCK_DELAY_S", 2 * 24 * 3600)

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "jctgov")
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
