"""Settings for Relational Commissioning, read from the environment (see README.md).

One file for every environment: production, `make run` and CI differ only in the values
of environment variables, so no setting exists only in production.
"""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext

from config.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_cron,
    env_int,
    env_list,
    env_str,
    redis_url,
)

# Lets admin and other generic classes be subscripted at run time, as the type stubs expect.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Shown in the header, the phase banner and e-mails.
SERVICE_NAME = "Relational Commissioning"
PHASE = env_str("SERVICE_PHASE", "Alpha")
# Demo mode labels the site as demonstration data and may relax MFA (with a banner).
DEMO_MODE = env_bool("DEMO_MODE", False)
REQUIRE_MFA = env_bool("REQUIRE_MFA", True)
INVITATION_EXPIRY_DAYS = env_int("INVITATION_EXPIRY_DAYS", 7, minimum=1)
# The address people use to reach the service, for links in e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "outbox",
    "geography",
    "accounts",
    "providers",
    "ownership",
    "registry",
    "market",
    "commissioning",
    "federations",
    "trust",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their caching), before sessions (which need the database).
    "config.middleware.SecurityHeadersMiddleware",
    "config.middleware.HealthCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every URL denies anonymous users unless its view is marked public.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMfaMiddleware",
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
                "accounts.context_processors.service",
                "accounts.context_processors.idempotency",
                "config.middleware.csp_nonce",
            ],
        },
    },
]

DATABASES = {"default": database_from_url("DATABASE_URL", env_str("DATABASE_URL", required=True))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = redis_url("REDIS_URL")
if REDIS_URL:
    # Redis with short timeouts, the database while Redis is unreachable (config/cache.py, ADR 22).
    CACHES = {
        "default": {
            "BACKEND": "config.cache.FallbackCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"FALLBACK_TABLE": "outbox_cache_fallback", "RETRY_AFTER": 30, "SOCKET_TIMEOUT": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: through Redis when REDIS_URL is set; otherwise tasks run in-process (eager),
# so that a machine without Redis still does all the work.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A request never waits on Redis (ADR 22): the outbox relay is sent with no retries, short
# timeouts and no result, and a send that fails leaves its message for the outbox's sweep.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1, "max_retries": 0}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The queue this deployment's workers read and its web processes send to.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# How long delivered outbox messages are kept, for the administrators' view of what was sent.
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 7, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=1)
# No project-wide soft limit: Celery refuses to send a task whose inherited soft limit
# exceeds its own hard limit. Tasks that want a soft limit set both.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/London"
# Periodic schedules live here, in one place (Celery beat reads them).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # The outbox's sweep: messages whose send after commit failed (Redis down) or whose worker
    # died are sent again; delivered ones past OUTBOX_RETENTION_DAYS are forgotten.
    "sweep-outbox": {"task": "outbox.sweep_task", "schedule": 60.0},
    # Nightly and daily jobs missed while beat, Redis or the workers were down run once more
    # (outbox.periodic); beat also catches up when it starts.
    "catch-up-periodic-jobs": {"task": "outbox.periodic_jobs_watchdog_task", "schedule": 600.0},
    # A recompute whose worker died is recorded as failed, and an administrator's or an
    # import's is asked for again (market.scheduling).
    "retry-interrupted-recomputes": {"task": "market.recompute_interrupted_retry_task", "schedule": 600.0},
    # Every market and cost snapshot, from the registers, the ownership graph and placements.
    "recompute-market-nightly": {
        "task": "market.recompute_market_task",
        "schedule": env_cron("MARKET_RECOMPUTE_CRON", "0 2 * * *"),
        "kwargs": {"trigger": "schedule"},
    },
    # Referrals past their start date, and invitations past their deadline, expire daily.
    "expire-placement-requests-daily": {
        "task": "commissioning.placement_requests_expire_task",
        "schedule": env_cron("PLACEMENT_REQUESTS_EXPIRE_CRON", "15 0 * * *"),
    },
    # Children's details leave closed referrals after the retention period.
    "purge-placement-requests-daily": {
        "task": "commissioning.placement_requests_purge_task",
        "schedule": env_cron("PLACEMENT_REQUESTS_PURGE_CRON", "30 0 * * *"),
    },
    # Trust log commitments past their due date are recorded as missed; owners are reminded.
    "check-trust-commitments-nightly": {
        "task": "trust.commitments_check_task",
        "schedule": env_cron("TRUST_COMMITMENTS_CHECK_CRON", "0 1 * * *"),
    },
    # Journey events whose task was lost are recorded, then every relationship's indicators.
    "recompute-relationship-indicators-nightly": {
        "task": "trust.relationship_indicators_recompute_task",
        "schedule": env_cron("TRUST_INDICATORS_CRON", "30 1 * * *"),
    },
    # The trust log's outside anchor: a published digest of every chain's head (ADR 19), after
    # the night's own entries (missed commitments, reconciled journey events) are written.
    "publish-transparency-digest-nightly": {
        "task": "trust.transparency_digest_publish_task",
        "schedule": env_cron("TRUST_TRANSPARENCY_DIGEST_CRON", "0 3 * * *"),
    },
    # People's trust-log entries older than TRUST_LOG_RETENTION_DAYS are put forward for
    # redaction; either side or staff decides (ADR 18). Before the digest, so it sees the requests.
    "ask-trust-log-redactions-by-retention-nightly": {
        "task": "trust.redaction_requests_by_retention_task",
        "schedule": env_cron("TRUST_LOG_RETENTION_CRON", "30 2 * * *"),
    },
    # Idempotency keys older than their retention period are forgotten.
    "purge-idempotency-keys-daily": {
        "task": "accounts.idempotency_keys_purge_task",
        "schedule": env_cron("IDEMPOTENCY_KEYS_PURGE_CRON", "45 0 * * *"),
    },
}
# How long a closed referral keeps the child's details (needs, risks, summary, district).
REFERRAL_RETENTION_DAYS = env_int("REFERRAL_RETENTION_DAYS", 365, minimum=1)
# How long a submitted form's or API request's idempotency key answers a repeat with the first answer.
IDEMPOTENCY_KEY_RETENTION_DAYS = env_int("IDEMPOTENCY_KEY_RETENTION_DAYS", 7, minimum=1)
# How long a member may withdraw an offer its federation made for it (issue 14, ADR 26).
FEDERATION_OFFER_WITHDRAWAL_HOURS = env_int("FEDERATION_OFFER_WITHDRAWAL_HOURS", 24, minimum=1)
# How long the text of a person's trust-log entry is kept before the retention schedule asks for
# its redaction (seven years by default), and how many entries one night asks about at most.
TRUST_LOG_RETENTION_DAYS = env_int("TRUST_LOG_RETENTION_DAYS", 7 * 365 + 2, minimum=1)
TRUST_LOG_RETENTION_BATCH = env_int("TRUST_LOG_RETENTION_BATCH", 500, minimum=1)
# How many days ahead of a trust log commitment's due date its owner is reminded (0: on the day).
TRUST_COMMITMENT_REMINDER_DAYS = env_int("TRUST_COMMITMENT_REMINDER_DAYS", 3, minimum=0)
# Imports (Ofsted register, BODS, curated edges) schedule a recompute when they commit.
MARKET_RECOMPUTE_AFTER_IMPORT = env_bool("MARKET_RECOMPUTE_AFTER_IMPORT", True)
# Guards on whole register files (registry/importers/ofsted_guards.py). A register has about
# 6,000 rows and 45 columns; one whose children's homes or open homes fall by more than this
# share of the previous register (of at least REGISTER_SHRINK_MIN_HOMES homes) is refused
# unless `import_ofsted --allow-shrink "reason"`.
REGISTER_MAX_ROWS = env_int("REGISTER_MAX_ROWS", 100_000, minimum=1)
REGISTER_MAX_CSV_BYTES = env_int("REGISTER_MAX_CSV_BYTES", 100 * 1024 * 1024, minimum=1)
REGISTER_MAX_COLUMNS = env_int("REGISTER_MAX_COLUMNS", 200, minimum=1)
REGISTER_MAX_SHRINK_PERCENT = env_int("REGISTER_MAX_SHRINK_PERCENT", 20, minimum=0)
REGISTER_SHRINK_MIN_HOMES = env_int("REGISTER_SHRINK_MIN_HOMES", 100, minimum=0)
# Spreadsheets (XLSX, ODS) are zip archives: their members' total size once decompressed, and
# the number of shared strings, are checked before any parser sees them (zip bombs).
SPREADSHEET_MAX_UNCOMPRESSED_BYTES = env_int("SPREADSHEET_MAX_UNCOMPRESSED_BYTES", 150 * 1024 * 1024, minimum=1)
SPREADSHEET_MAX_SHARED_STRINGS = env_int("SPREADSHEET_MAX_SHARED_STRINGS", 500_000, minimum=1)
# JSON nested deeper than this is refused (BODS files, API request bodies) before it is parsed.
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 64, minimum=1)
# A home's owner counts as known, for a figure's coverage, when the links its owner type rests
# on were stated no more than this many days before the figure's date (three years).
OWNERSHIP_LINKS_MAX_AGE_DAYS = env_int("OWNERSHIP_LINKS_MAX_AGE_DAYS", 1096, minimum=1)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# allauth: e-mail and password, no open sign-up (people join by invitation).
ACCOUNT_ADAPTER = "accounts.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are proven by the invitation e-mail itself
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Records the user's own address as verified, not unverified, so a reset request cannot block MFA set-up.
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "accounts.tokens.ProvedAddressResetTokenGenerator"  # noqa: S105 - a class
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SERVICE_NAME}] "
# allauth's sign-in, password and two-factor forms, with the service's own error messages
# (GOV.UK wording: what went wrong and how to put it right, for each field).
ACCOUNT_FORMS = {
    "login": "accounts.forms.SignInForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
}
MFA_FORMS = {
    "authenticate": "accounts.forms.MfaAuthenticateForm",
    "reauthenticate": "accounts.forms.MfaReauthenticateForm",
    "activate_totp": "accounts.forms.ActivateTotpForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SERVICE_NAME
MFA_RECOVERY_CODE_COUNT = 10

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, with JSON refused (400) past JSON_MAX_DEPTH instead of a RecursionError's 500.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SERVICE_NAME} API",
    "DESCRIPTION": (
        "JSON API over the same services as the web pages, under the same permissions. The registry, owners, "
        "federations and the market are open data: no account needed. The rest needs a signed-in session and "
        "answers 403 without one. Lists that can grow long come a page at a time (`count`, `next`, `previous`, "
        "`results`), and a page past the last is a 404. Refusals are JSON, each endpoint's body documented with "
        "it: `detail` says why, and refused parameters are named with what is allowed."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs are public, like the open data they describe (issue 15): the footer links every visitor here.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_GENERATOR_CLASS": "config.openapi.ServedSchemaGenerator",  # built once per process
    # Path parameters as the URL patterns match them: any other value is not the endpoint at all.
    "PATH_CONVERTER_OVERRIDES": {
        "int": {"type": "integer", "minimum": 0},
        "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / ".data" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Relational Commissioning <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. DJANGO_SECURE defaults to on outside debug: HTTPS only, HSTS, secure cookies.
SECURE = env_bool("DJANGO_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # templates pass the token to htmx explicitly
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = SECURE and env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0) if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
