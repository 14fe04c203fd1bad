"""Settings for jctgov, read from the environment in this one module.

Embedded default (no env vars): SQLite, a SQLAlchemy/SQLite Celery broker, a local Anvil.
Production and CI: DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis), CHAIN_RPC_URL.
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from jctgov.env import env, envbool, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("JCTGOV_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Off unless asked for: `make run` (and the test settings, tests/settings.py) turn it on
# explicitly. With DEBUG on, 404 pages list every URL and 500 pages show settings and frames.
DEBUG = envbool("DJANGO_DEBUG", False)
if DEBUG:
    # Development only: a fixed, clearly fake key. Production must set DJANGO_SECRET_KEY.
    SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-insecure-jctgov-secret-key-do-not-use-in-production")
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY", "")
    if not SECRET_KEY:
        raise RuntimeError(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0 (the default); "
            "for development set DJANGO_DEBUG=1, as `make run` does"
        )

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The one origin (scheme://host[:port]) users sign in to. A SIWE message must name exactly this
# domain and URI: the Host header is the client's to choose (EIP-4361 "domain binding"), so it
# is never what a signature is checked against. `manage.py up` sets it to its own address.
JCTGOV_SITE_URL = (env("JCTGOV_SITE_URL", "") or ("http://127.0.0.1:8000" if DEBUG else "")).rstrip(
    "/"
)
if not JCTGOV_SITE_URL:
    raise RuntimeError("JCTGOV_SITE_URL must be set when DJANGO_DEBUG=0, e.g. https://gov.example")

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
    "drf_spectacular_sidecar",
    "csp",
    "jctgov.core",
    "jctgov.wallets",
    "jctgov.chain",
    "jctgov.market",
    "jctgov.power",
    "jctgov.delegates",
    "jctgov.dashboard",
    "proposals",
    "grants",
    "jctgov.notify",
    "jctgov.devstack",  # `up` and `seed_demo`: above every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
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
# Development error pages: credentials inside URLs (DATABASE_URL…) are masked too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "jctgov.core.debug.CredentialMaskingFilter"
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
                "jctgov.notify.context_processors.inbox",
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
LOGIN_URL = "/signin/"  # asks to sign in, then returns to ?next=

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

# --- Content-Security-Policy (django-csp 4) --------------------------------------------
# Every response: scripts and styles only from our own origin (static/), no inline script, no
# inline style attribute, no plugin, no <base>, never framed. Wallet icons arrive as data: URIs
# (EIP-6963). The API docs page relaxes style-src alone (jctgov/core/apidocs.py): ReDoc and
# Swagger UI inject <style> elements at run time.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies stand in front of the app. Only then is X-Forwarded-Proto theirs to
# set; without one a client could send it and make plain HTTP look like HTTPS.
JCTGOV_TRUSTED_PROXIES = envint("JCTGOV_TRUSTED_PROXIES", 0)
if JCTGOV_TRUSTED_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
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
    "NUM_PROXIES": JCTGOV_TRUSTED_PROXIES,
    # Per-client rates for the endpoints anyone can hit; 429 answers carry Retry-After.
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("JCTGOV_RATE_AUTH", "60/min"),
        "vote": env("JCTGOV_RATE_VOTE", "600/min"),
        "heartbeat": env("JCTGOV_RATE_HEARTBEAT", "600/min"),
        "replay": env("JCTGOV_RATE_REPLAY", "10/hour"),
        # Per wallet: new drafts (JCTGOV_MAX_DRAFTS_PER_WALLET caps how many are open at once).
        "draft": env("JCTGOV_RATE_DRAFT", "30/hour"),
        # Per client address: password attempts at /admin/login/ (jctgov/core/admin_login.py).
        "admin_login": env("JCTGOV_RATE_ADMIN_LOGIN", "10/min"),
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
    # Swagger UI and ReDoc come from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jctgov.core.schema.add_error_responses",
    ],
}

# Drafts a wallet may hold at once (proposal_create_draft): drafts cost nothing to make.
JCTGOV_MAX_DRAFTS_PER_WALLET = envint("JCTGOV_MAX_DRAFTS_PER_WALLET", 10)

# --- Sign-In with Ethereum ------------------------------------------------------------
SIWE_NONCE_TTL_S = 600
SIWE_MAX_CLOCK_SKEW_S = 600

# --- Chain ------------------------------------------------------------------------------
CHAIN_RPC_URL = env("CHAIN_RPC_URL", "http://127.0.0.1:8545")
CHAIN_ID = envint("CHAIN_ID", 31337)
# What a wallet is told when the page offers to add this chain (wallet_addEthereumChain): a
# name and an RPC URL the user's browser can reach (CHAIN_RPC_URL may be a private address).
CHAIN_NAME = env("CHAIN_NAME", "Janction local chain" if CHAIN_ID == 31337 else f"Chain {CHAIN_ID}")
CHAIN_PUBLIC_RPC_URL = env("CHAIN_PUBLIC_RPC_URL", CHAIN_RPC_URL)
CHAIN_RPC_TIMEOUT_S = envint("CHAIN_RPC_TIMEOUT_S", 10)
# A block explorer the pages link transactions and blocks to ({url}/tx/0x…, {url}/block/N).
CHAIN_EXPLORER_URL = env("CHAIN_EXPLORER_URL", "")
CHAIN_DEPLOYMENTS_FILE = Path(env("CHAIN_DEPLOYMENTS_FILE", str(VAR_DIR / "deployments.json")))

# --- Market -----------------------------------------------------------------------------
# USD per JCT for quoting JCT payments. Development uses a fixed demo price; production must set
# it (empty: JCT quotes stay in USD and are converted at settlement).
MARKET_JCT_USD_PRICE = env("JCTGOV_JCT_USD_PRICE", "0.10" if DEBUG else "")
# `manage.py up` turns this on (unless --no-demo): the beat then sends heartbeats for the demo
# nodes of `seed_demo` (Node.simulated) so the demo market stays alive. Never real nodes.
MARKET_SIMULATE_DEMO_NODES = envbool("JCTGOV_SIMULATE_DEMO_NODES", False)
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

# --- Notifications (jctgov/notify) -------------------------------------------------------
# Absolute links in emails and webhook bodies use JCTGOV_SITE_URL (above).
# Email: the console backend in development unless EMAIL_HOST is set; SMTP in production.
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST or not DEBUG
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "jctgov <notifications@localhost>")
# Webhooks to private, loopback or link-local addresses: development and tests only.
NOTIFY_ALLOW_PRIVATE_WEBHOOKS = envbool("NOTIFY_ALLOW_PRIVATE_WEBHOOKS", DEBUG)
NOTIFY_WEBHOOK_CONNECT_TIMEOUT_S = float(env("NOTIFY_WEBHOOK_CONNECT_TIMEOUT_S", "3"))
NOTIFY_WEBHOOK_READ_TIMEOUT_S = float(env("NOTIFY_WEBHOOK_READ_TIMEOUT_S", "5"))
NOTIFY_WEBHOOK_MAX_RESPONSE_BYTES = envint("NOTIFY_WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024)
NOTIFY_WEBHOOK_DISABLE_AFTER_S = envint("NOTIFY_WEBHOOK_DISABLE_AFTER_S", 24 * 3600)
NOTIFY_RETRY_BASE_S = float(env("NOTIFY_RETRY_BASE_S", "30"))
NOTIFY_RETRY_MAX_S = float(env("NOTIFY_RETRY_MAX_S", "3600"))
NOTIFY_MAX_ATTEMPTS = envint("NOTIFY_MAX_ATTEMPTS", 40)
NOTIFY_SEND_CONCURRENCY = envint("NOTIFY_SEND_CONCURRENCY", 64)
NOTIFY_SEND_BATCH = envint("NOTIFY_SEND_BATCH", 500)
NOTIFY_SEND_TASKS = envint("NOTIFY_SEND_TASKS", 2)
NOTIFY_SEND_BUDGET_S = float(env("NOTIFY_SEND_BUDGET_S", "50"))
NOTIFY_FANOUT_CHUNK = envint("NOTIFY_FANOUT_CHUNK", 5000)
NOTIFY_FANOUT_GRACE_S = envint("NOTIFY_FANOUT_GRACE_S", 30)
NOTIFY_CLAIM_LEASE_S = envint("NOTIFY_CLAIM_LEASE_S", 120)
