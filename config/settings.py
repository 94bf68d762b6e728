"""ExpoPlan settings. Everything that differs between machines comes from the environment.

See the configuration table in README.md. Production differs by variables, not by code.
"""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, DEV_SECRET_KEY, env

VAR_DIR = Path(env("EXPOPLAN_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a secret value when DJANGO_DEBUG is off "
        "(refusing to run production with the development key)."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "simple_history",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",  # sign-in lockout (SPEC §12, core/lockout.py)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "venues",
    "exhibitions",
    "targets",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # before WhiteNoise: static files carry the headers too
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.cache_headers.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.session_limits.SessionLimitMiddleware",  # idle and absolute session limits (SPEC §12)
    # After the session limits (an ended session signs in again first), before axes (kept last).
    "core.two_factor.TwoFactorMiddleware",  # the second factor first, then an expired password
    "core.password_expiry.PasswordExpiryMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout response
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.workspace",
            ],
        },
    },
]

# Database: DATABASE_URL, default a SQLite file under var/.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'expoplan.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server, eager tasks and tests share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Password policy (SPEC §12, core/passwords.py): on every path that sets a password.
EXPOPLAN_PASSWORD_MIN_LENGTH = env.int("EXPOPLAN_PASSWORD_MIN_LENGTH", default=10)
EXPOPLAN_PASSWORD_HISTORY = env.int("EXPOPLAN_PASSWORD_HISTORY", default=5)  # the last N may not be reused
EXPOPLAN_PASSWORD_MAX_AGE_DAYS = env.int("EXPOPLAN_PASSWORD_MAX_AGE_DAYS", default=90)  # 0: never expires
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": EXPOPLAN_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "core.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "core.passwords.PasswordReuseValidator"},
]
# Sign-in lockout (SPEC §12; django-axes with core/lockout.py): after EXPOPLAN_LOCKOUT_FAILURES failed
# sign-ins for an account (from any address), or from an address (for any accounts), further sign-ins of
# that account, or from that address, are refused for EXPOPLAN_LOCKOUT_MINUTES after the last failure,
# unless the security administrator unlocks them (/security/). The Django admin's sign-in is the same.
EXPOPLAN_LOCKOUT_FAILURES = env.int("EXPOPLAN_LOCKOUT_FAILURES", default=5)
EXPOPLAN_LOCKOUT_MINUTES = env.int("EXPOPLAN_LOCKOUT_MINUTES", default=15)
if EXPOPLAN_LOCKOUT_FAILURES < 1 or EXPOPLAN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured("EXPOPLAN_LOCKOUT_FAILURES and EXPOPLAN_LOCKOUT_MINUTES must be at least 1.")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in before checking the password
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = EXPOPLAN_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=EXPOPLAN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # two separate counters: the account's and the address's
# A success clears the account's own failures only (core/auth_events.py), never the address's: axes'
# AXES_RESET_ON_SUCCESS would also clear every failure from that address, so that signing in to one's own
# account between guesses would reset the count of the account being guessed.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "core.audit.client_address"  # the audit log's address (EXPOPLAN_TRUSTED_PROXIES)
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"  # the sign-in page with the reason, status 429
AXES_HTTP_RESPONSE_CODE = 429

# Sessions (SPEC §12, core/session_limits.py): a session ends after EXPOPLAN_SESSION_IDLE_MINUTES without
# a request and EXPOPLAN_SESSION_MAX_HOURS after signing in, whatever the activity.
EXPOPLAN_SESSION_IDLE_MINUTES = env.int("EXPOPLAN_SESSION_IDLE_MINUTES", default=30)
EXPOPLAN_SESSION_MAX_HOURS = env.int("EXPOPLAN_SESSION_MAX_HOURS", default=12)
if EXPOPLAN_SESSION_IDLE_MINUTES < 1 or EXPOPLAN_SESSION_MAX_HOURS < 1:
    raise ImproperlyConfigured("EXPOPLAN_SESSION_IDLE_MINUTES and EXPOPLAN_SESSION_MAX_HOURS must be at least 1.")
SESSION_COOKIE_AGE = EXPOPLAN_SESSION_MAX_HOURS * 3600  # the cookie and the stored session outlive neither limit

# Two-factor sign-in (SPEC §12, core/two_factor.py): TOTP with recovery codes for provincial staff and
# the three administrators; on unless DJANGO_DEBUG is on.
EXPOPLAN_2FA_REQUIRED = env.bool("EXPOPLAN_2FA_REQUIRED", default=not DEBUG)
EXPOPLAN_2FA_RECOVERY_CODES = 10  # one-time recovery codes shown at setup and on regeneration
OTP_TOTP_ISSUER = "ExpoPlan"  # the name authenticator apps show beside the account
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_ROOT = BASE_DIR / "static" / "root"  # /favicon.ico and /apple-touch-icon.png, which browsers ask for
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Cache: Redis when REDIS_URL is set, else process-local memory.
# The cache fails open (SPEC §12): with Redis unreachable every cache call answers a miss (get → default,
# set/add/delete → nothing) instead of raising, so the throttle lets requests through, cached sessions
# fall back to the database and cached fragments are rendered afresh. Each ignored error is logged by
# django-redis on DJANGO_REDIS_LOGGER; core.cache.OutageLogFilter keeps that to one WARNING a minute.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis must not hang a request (seconds), nor fail it.
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "expoplan.cache"

# Celery: a real broker when REDIS_URL is set; otherwise tasks run in-process (eagerly).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must never hang a user's request: a short socket timeout and no publish retries.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2, "max_retries": 0}
CELERY_TASK_PUBLISH_RETRY = False
# Progress recompute after a change: a burst of edits within this many seconds causes one recompute.
EXPOPLAN_PROGRESS_DEBOUNCE_SECONDS = env.int("EXPOPLAN_PROGRESS_DEBOUNCE_SECONDS", default=10)

# REST API v1 (docs/api.md). Token auth first so an anonymous request answers 401 with WWW-Authenticate.
EXPOPLAN_API_THROTTLE_RATE = env("EXPOPLAN_API_THROTTLE_RATE", default="1000/hour")  # per user / token
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.plumbing.ScopedPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "core.api.plumbing.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.plumbing.ApiPagination",
    "DEFAULT_THROTTLE_CLASSES": ["core.api.plumbing.ApiUserRateThrottle"],
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],  # interactive docs: /api/docs/
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],  # JSON bodies only (bounded); others 415
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ExpoPlan API",
    "DESCRIPTION": (
        "Exhibition programme planning and progress against yearly targets (ExpoPlan REST API v1).\n\n"
        "Authentication: `Authorization: Token KEY` (`python manage.py drf_create_token USER`) or a session. "
        "Field names are snake_case English; cities are referenced by slug, batches by code, venues and "
        "organisers by id. Lists are paginated (`page`, `page_size` up to 500) and carry the total `count`. "
        "Reads send ETag and Last-Modified; If-None-Match answers 304, a stale If-Match on a write 412. "
        "Requests are limited per user/token (EXPOPLAN_API_THROTTLE_RATE, default 1000/hour): 429 with Retry-After. "
        'Every error has one shape: `{"error": {"status", "code", "message", "fields"}}`.'
    ),
    "VERSION": "1.0.0",  # PEP 440; core.api.schema.pin_version keeps drf-spectacular from appending " (v1)"
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PUBLIC": True,  # every operation whoever asks (the schema is the same document as docs/openapi.yaml)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_PERMISSIONS": ["core.api.plumbing.HasAnyRole"],  # SPEC §5: any role; anonymous 401, no role 403
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ExhibitionStatusEnum": "exhibitions.models.Exhibition.Status",
        "VenueStatusEnum": "venues.models.Venue.Status",
        "AuditActionEnum": "core.models.AuditEvent.Action",  # the audit log (core/api/audit.py)
        "AuditOutcomeEnum": "core.models.AuditEvent.Outcome",
    },
    # English unless asked otherwise (core.api.schema.SchemaView); `make schema` writes docs/openapi.yaml.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.pin_version",
        "core.api.schema.language_neutral_names",
        "core.api.schema.require_response_fields",
        "core.api.schema.add_error_responses",
        "core.api.schema.add_rate_limit_headers",
    ],
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

# Upload limits (imports): bigger files are refused with a clear message.
EXPOPLAN_IMPORT_MAX_BYTES = env.int("EXPOPLAN_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
EXPOPLAN_IMPORT_MAX_ROWS = env.int("EXPOPLAN_IMPORT_MAX_ROWS", default=5000)  # rows per spreadsheet import
# Reading an upload stops at the first of these (exhibitions/reading.py, SPEC §12): an XLSX whose zip
# declares more unpacked bytes, or a member compressed more than the ratio, is refused unread; then
# columns per row, cells read (empty rows count one) and seconds spent reading.
EXPOPLAN_IMPORT_MAX_UNPACKED_BYTES = env.int("EXPOPLAN_IMPORT_MAX_UNPACKED_BYTES", default=50 * 1024 * 1024)
EXPOPLAN_IMPORT_MAX_COMPRESSION_RATIO = env.int("EXPOPLAN_IMPORT_MAX_COMPRESSION_RATIO", default=100)
EXPOPLAN_IMPORT_MAX_COLUMNS = env.int("EXPOPLAN_IMPORT_MAX_COLUMNS", default=100)
EXPOPLAN_IMPORT_MAX_CELLS = env.int("EXPOPLAN_IMPORT_MAX_CELLS", default=300_000)
EXPOPLAN_IMPORT_MAX_SECONDS = env.float("EXPOPLAN_IMPORT_MAX_SECONDS", default=20.0)
EXPOPLAN_PDF_FONT = env("EXPOPLAN_PDF_FONT", default="")  # CJK font for PDF reports (default: fonts-noto-cjk)
DATA_UPLOAD_MAX_MEMORY_SIZE = EXPOPLAN_IMPORT_MAX_BYTES + 1024 * 1024
# Jobs (core/jobs.py): exports of more rows than this run as a job with a progress bar; jobs and their
# files are deleted this many hours after they were started.
EXPOPLAN_EXPORT_JOB_ROWS = env.int("EXPOPLAN_EXPORT_JOB_ROWS", default=5000)
EXPOPLAN_JOB_KEEP_HOURS = env.int("EXPOPLAN_JOB_KEEP_HOURS", default=24)

# Audit log (SPEC §12, core/audit.py): rows are kept at least this many days (the database refuses
# to delete younger ones); `manage.py prune_audit` removes older rows.
EXPOPLAN_AUDIT_RETENTION_DAYS = env.int("EXPOPLAN_AUDIT_RETENTION_DAYS", default=180)
# A refused CSRF check is a 403 like any other: audited as permission_denied (core.views.csrf_failure).
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
# Proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR only). The client
# address of the audit log and of the sign-in lockout.
EXPOPLAN_TRUSTED_PROXIES = env.int("EXPOPLAN_TRUSTED_PROXIES", default=0)

# Security. In production (DEBUG off) everything `manage.py check --deploy` asks for is on;
# TLS terminates at the proxy, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# Sessions in the database (core.Session names the signed-in user), cached in Redis when there is one.
# Without Redis each process would keep its own copy, so plain database sessions are used.
SESSION_ENGINE = "core.sessions_cached" if REDIS_URL else "core.sessions"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Response headers (SPEC §12). Content-Security-Policy (django-csp), enforced on every response: nothing
# inline — scripts and styles come from static files (data for scripts: json_script or data- attributes),
# the page may not be framed, forms post only here. Images may be data: URLs (Bootstrap's icons in CSS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Permissions-Policy (django-permissions-policy): no browser feature the app does not use; fullscreen
# (charts) for this site only. Only features Chromium knows (it warns in the console of every page about others).
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": ["self"],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "interest-cohort": [],
    "local-fonts": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": [],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "filters": {"cache_outage": {"()": "core.cache.OutageLogFilter"}},  # one WARNING a minute (core/cache.py)
    "loggers": {"django.db.backends": {"level": "WARNING"}, "expoplan.cache": {"filters": ["cache_outage"]}},
}
