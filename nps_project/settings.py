"""NPS Desk settings: one module, configured by environment variables.

With no variables set, the embedded default applies: SQLite under var/, Celery tasks run
eagerly in-process, mail and SMS go to the console. Production sets DATABASE_URL,
REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and the delivery settings.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The "django-insecure-" prefix makes `check --deploy` fail when production forgets SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-embedded-default-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute base of the links put into invitations ("https://nps.example.com").
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Key the survey tokens are derived from; defaults to SECRET_KEY (see surveys/tokens.py).
SURVEY_TOKEN_KEY = env.str("SURVEY_TOKEN_KEY", default=SECRET_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "nps_project",  # project-wide management commands (runembedded)
    "agents",
    "surveys",
    "analytics",
    "followups",
    "integrations",
    "privacy",
    "accounts",  # sign-in: lockout (axes), password reset, OIDC single sign-on, TOTP, idle sessions
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "nps_project.request_log.RequestLogMiddleware",  # request id; one JSON line per request
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "nps_project.public_path.PublicSurveyMiddleware",  # /s/ pages: none of the signed-in users' middleware below
    "nps_project.api_path.TokenApiMiddleware",  # /api/v1/ with a token: no session, CSRF, messages, axes
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "nps_project.csp.ContentSecurityPolicyMiddleware",
    "nps_project.request_log.PrivateCacheMiddleware",  # Cache-Control: private, no-store when signed in
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
]

ROOT_URLCONF = "nps_project.urls"
WSGI_APPLICATION = "nps_project.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'nps_desk.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# Optional read replica (nps_project/db_router.py): the dashboards' reads of the derived
# analytics tables go there; writes and everything else stay on DATABASE_URL.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["nps_project.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: the survey page speaks the customer's language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("id", "Bahasa Indonesia"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# plotly.js is served as our own static file (no CDN): the cartesian partial bundle vendored
# in static/vendor/plotly/ (see the README there), not the full 4.85 MB one.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production images run collectstatic and set STATIC_MANIFEST=true (hashed, compressed
# files); without it static files are served straight from the source folders.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/login/"

# Security headers; the survey page uses no inline script or style.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# With DEBUG off, cookies are HTTPS-only and HSTS is on (sent on HTTPS responses only).
# Browsers accept secure cookies from http://localhost; elsewhere plain HTTP needs
# SECURE_COOKIES=false. The redirect stays opt-in: the TLS proxy in front usually does it.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load balancers probe over plain HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# --- Redis, Celery, cache -------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Seconds any Redis client (broker, cache, rate limits) waits to connect and for a reply.
# Redis answers in well under a millisecond; a slower reply means it is hung, and a hung
# Redis must not hold a request (see nps_project/redis_guard.py).
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.5)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
# After a Redis call fails, this process skips Redis for so many seconds before trying again.
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=5)
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Embedded default: without a broker every task runs in-process, right after commit.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Worker and beat log through LOGGING below (JSON in production, survey tokens masked)
# instead of Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A broker that is down must not hold a customer's request for long: fail fast, the
# periodic sweep (send_due_invitations) picks up whatever could not be enqueued.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "visibility_timeout": 3600,
    # Connecting for a publish: one retry, at once (kombu's default waits 2 s first).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# One retry of a publish, for a pooled connection that Redis closed (a restart). A hung
# Redis costs about 2-3 x REDIS_SOCKET_TIMEOUT once; then the breaker skips it.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# A worker that lost the broker retries every few seconds, for ever (kombu backs off to
# 30 s and gives up after 100 tries): queued work resumes within seconds of Redis coming
# back (nps_project/celery.py; the orchestrator restarts a worker that is truly stuck).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
BROKER_RECONNECT_INTERVAL_MAX = 2.0
CELERY_BEAT_SCHEDULE = {
    # Every 15 s: invitations a broker outage left pending go out within 60 s of its end
    # (the worker reconnects within BROKER_RECONNECT_INTERVAL_MAX, the next sweep finds them).
    "send-due-invitations": {"task": "surveys.tasks.send_due_invitations", "schedule": 15.0},
    # One reminder for unanswered invitations of surveys that have reminders switched on.
    "send-due-reminders": {"task": "surveys.tasks.send_due_reminders", "schedule": 300.0},
    # Agents moved to another department from a given day switch on that day.
    "apply-agent-moves": {"task": "agents.tasks.apply_agent_moves", "schedule": crontab(minute=1)},
    # Safety net for answers whose flush message was lost (broker down): marks live in the DB.
    "flush-nps-buckets": {"task": "analytics.tasks.flush_nps_buckets", "schedule": 15.0},
    # Reconcile from raw responses: recent days often, everything nightly.
    # The score histogram, funnel and drivers are refreshed here only (minutes behind at most).
    "reconcile-today-nps": {"task": "analytics.tasks.reconcile_nps", "schedule": 120.0, "kwargs": {"days": 2}},
    "reconcile-recent-nps": {"task": "analytics.tasks.reconcile_nps", "schedule": 900.0, "kwargs": {"days": 40}},
    "reconcile-all-nps": {"task": "analytics.tasks.reconcile_nps", "schedule": crontab(hour=2, minute=30)},
    "refresh-champions": {"task": "analytics.tasks.refresh_champions", "schedule": crontab(minute=5)},
    # Themes of answers whose tagging task was lost, and after theme edits (a no-op otherwise).
    "retag-themes": {"task": "analytics.tasks.retag_themes", "schedule": 600.0},
}

# Company-wide NPS target drawn on the dashboards (departments have their own).
COMPANY_TARGET_NPS = env.int("COMPANY_TARGET_NPS", default=None)

# Champions: agents need this many answers on the agent question to be ranked; top N shown.
CHAMPION_MIN_RESPONSES = env.int("CHAMPION_MIN_RESPONSES", default=30)
CHAMPION_TOP_N = env.int("CHAMPION_TOP_N", default=20)
CHAMPION_PERIOD_DAYS = env.int("CHAMPION_PERIOD_DAYS", default=90)

# Like the broker: an unreachable or hung Redis must not hold a request (redis-py alone
# waits 5 s to connect, for ever for a reply). Answers still store; only cache flags are lost.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT}
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache behind the Redis circuit breaker (nps_project/cache.py).
            "BACKEND": "nps_project.cache.GuardedRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Delivery ---------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="NPS Desk <surveys@nps-desk.local>")
COMPANY_NAME = env.str("COMPANY_NAME", default="Acme Support")

SMS_BACKEND = env.str("SMS_BACKEND", default="surveys.delivery.sms.ConsoleSmsBackend")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")

# Attempts before an invitation's delivery is recorded as failed (exponential backoff).
DELIVERY_MAX_RETRIES = env.int("DELIVERY_MAX_RETRIES", default=5)

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "surveys.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": None,
    # Per API token, counted in the cache (surveys/api_throttling.py): 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["surveys.api_throttling.ApiTokenRateThrottle"],
}
# Requests one API token may make: "600/min", "20/s", "10000/hour"; empty for no limit.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "NPS Desk API",
    "DESCRIPTION": "Post-interaction Net Promoter Score for contact centers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "nps_project.openapi.document_error_responses",
    ],
}

# "json" (production): one JSON object per log line, and one line per request
# (nps_project/request_log.py); "text": plain messages. Survey tokens are masked either way.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_survey_tokens": {"()": "nps_project.log.MaskSurveyTokens"},
        "quiet_client_errors": {"()": "nps_project.log.QuietClientErrors"},
        "request_id": {"()": "nps_project.log.RequestIdFilter"},
    },
    "formatters": {
        "json": {"()": "nps_project.log.JsonFormatter"},
        "text": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["quiet_client_errors", "mask_survey_tokens", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # runserver's request lines (the embedded mode), through the masking handler too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Follow-up cases ---------------------------------------------------------------------
# An answer at or below this on either question opens a follow-up case (6: NPS detractors).
FOLLOWUP_DETRACTOR_MAX = env.int("FOLLOWUP_DETRACTOR_MAX", default=6)
# Hours a supervisor has to follow a case up before it is overdue and escalated to admins.
FOLLOWUP_DUE_HOURS = env.int("FOLLOWUP_DUE_HOURS", default=48)
CELERY_BEAT_SCHEDULE |= {
    "case-alert-digests": {"task": "followups.tasks.send_case_digests", "schedule": crontab(minute=0)},
    # Escalate overdue cases; resend alerts and recovery surveys a mail outage held back.
    "sweep-followups": {"task": "followups.tasks.sweep_followups", "schedule": crontab(minute="*/15")},
}
# Alert rules (/manage/alerts/): answer rules are read from the database at most this often
# per process; agent and department rules are checked hourly by beat.
ALERT_RULES_CACHE_SECONDS = env.int("ALERT_RULES_CACHE_SECONDS", default=30)
# Webhooks (Slack/Teams alert channels) to loopback or private addresses are refused unless true.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
CELERY_BEAT_SCHEDULE |= {
    "alert-rules-periodic": {"task": "followups.tasks.evaluate_alert_rules", "schedule": crontab(minute=20)},
}

# --- Weekly digests, promoters, privacy ----------------------------------------------------
# Weekly digests go out on this day (mon … sun) at this local hour, about the last full
# Monday–Sunday week; failures are retried with backoff and resent hourly that week.
DIGEST_WEEKDAY = env.str("DIGEST_WEEKDAY", default="mon")
DIGEST_HOUR = env.int("DIGEST_HOUR", default=7)
# Supervisors' digests name the top and bottom agents over the last N weeks (a week alone
# gives most agents a handful of answers), among agents with at least this many answers.
DIGEST_AGENT_WEEKS = env.int("DIGEST_AGENT_WEEKS", default=4)
DIGEST_AGENT_MIN_RESPONSES = env.int("DIGEST_AGENT_MIN_RESPONSES", default=10)
# Departments need this many answers in the week to be named best or worst.
DIGEST_DEPARTMENT_MIN_RESPONSES = env.int("DIGEST_DEPARTMENT_MIN_RESPONSES", default=10)
# The Monday view (/dashboard/week/) says nothing about a department or agent with fewer
# answers than this in the week (not news, not among the agents who moved most).
WEEK_MIN_RESPONSES = env.int("WEEK_MIN_RESPONSES", default=5)
# An answer is a promoter's (to thank, or ask for a review) when both scores reach this.
PROMOTER_MIN_SCORE = env.int("PROMOTER_MIN_SCORE", default=9)
# Anonymise why-text and customer contact data of interactions older than this many months
# (by when the interaction happened); 0 keeps everything.
RETENTION_MONTHS = env.int("RETENTION_MONTHS", default=0)
CELERY_BEAT_SCHEDULE |= {
    # One task per audience; each is idempotent per week (one WeeklyDigest row per user and week).
    "weekly-digest-admins": {
        "task": "analytics.tasks.send_weekly_digests",
        "schedule": crontab(day_of_week=DIGEST_WEEKDAY, hour=DIGEST_HOUR, minute=0),
        "kwargs": {"audience": "admin"},
    },
    "weekly-digest-supervisors": {
        "task": "analytics.tasks.send_weekly_digests",
        "schedule": crontab(day_of_week=DIGEST_WEEKDAY, hour=DIGEST_HOUR, minute=5),
        "kwargs": {"audience": "supervisor"},
    },
    "weekly-digest-agents": {
        "task": "analytics.tasks.send_weekly_digests",
        "schedule": crontab(day_of_week=DIGEST_WEEKDAY, hour=DIGEST_HOUR, minute=10),
        "kwargs": {"audience": "agent"},
    },
    # Resend this week's digests that a mail outage or a lost task held back.
    "resend-weekly-digests": {"task": "analytics.tasks.resend_weekly_digests", "schedule": crontab(minute=40)},
    "apply-retention": {"task": "privacy.tasks.apply_retention", "schedule": crontab(hour=3, minute=15)},
}

# --- Webhooks out (integrations/webhooks/) -------------------------------------------------
# Receivers on loopback, private, link-local or reserved addresses are refused (SSRF)
# unless this is true: a receiver inside the company network, or a local test server.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
# Tries per delivery (exponential backoff from the base delay) before it is marked failed.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
# Seconds a receiver has to answer (connecting gets at most 3 of them).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
CELERY_BEAT_SCHEDULE |= {
    # Deliveries whose task was lost or never sent (broker down, or no broker at all).
    "sweep-webhook-deliveries": {"task": "integrations.webhooks.tasks.sweep_webhook_deliveries", "schedule": 30.0},
    "prune-webhook-deliveries": {
        "task": "integrations.webhooks.tasks.prune_webhook_deliveries",
        "schedule": crontab(hour=3, minute=45),
    },
}
# --- Imports of interactions from a file (/manage/import/) ----------------------------------
# Uploaded files wait here for the worker: web and worker must share this folder (a volume in
# docker-compose.yml). Each file is deleted once its import is done or discarded.
IMPORT_DIR = Path(env.str("IMPORT_DIR", default=str(VAR_DIR / "imports")))
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=512)
# Rows validated and stored per transaction (progress is reported per chunk).
IMPORT_CHUNK_ROWS = env.int("IMPORT_CHUNK_ROWS", default=1000)
# --- Accounts and sign-in (accounts/) --------------------------------------------------------
# Lockout (DESIGN.md): 10 failed sign-ins for one username within 15 minutes lock that
# username for 15 minutes; attempts live in the database (django-axes), not in a process.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    "accounts.backends.LocalPasswordBackend",
    "accounts.oidc.GroupMappingOidcBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Failures during a lockout do not push it further, so the time the page promises holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # failures and lockouts; not every success

# Sessions end after this many minutes without a request (refreshed at most once a minute).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=60)

# Password reset links (Django's views) stay valid this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_MINUTES", default=60) * 60

# Local usernames and passwords; false: single sign-on only (break-glass: manage.py breakglass_login).
LOCAL_LOGIN_ENABLED = env.bool("LOCAL_LOGIN_ENABLED", default=True)

# Optional single sign-on by OpenID Connect (mozilla-django-oidc): on when a client id is set.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="single sign-on")
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
OIDC_USE_PKCE = True
OIDC_CREATE_USER = True
OIDC_VERIFY_SSL = env.bool("OIDC_VERIFY_SSL", default=True)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"

# Optional TOTP second factor (django-otp): admins who set it up are asked for a code after
# their password; with OTP_REQUIRED_FOR_ADMINS every admin must set it up first.
OTP_REQUIRED_FOR_ADMINS = env.bool("OTP_REQUIRED_FOR_ADMINS", default=False)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="NPS Desk")
# axes.W006 wants the address in the lockout key; DESIGN.md locks by username alone, and
# failures of one username count across every address and browser, so rotating neither helps.
# models.W040: SQLite (the embedded mode) ignores the INCLUDE columns of the promoters index;
# the index still works there, only without the covering column.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
# --- Public survey page limits -------------------------------------------------------------
# An address that opens more than this many unknown or wrong survey links in a minute gets
# 429 until the minute ends (misses only: real links never count). Kept in the cache.
SURVEY_LINK_MISS_LIMIT = env.int("SURVEY_LINK_MISS_LIMIT", default=60)
# Reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The survey page's hot queries are prepared once per connection (surveys/prepared.py);
# false behind a pooler in transaction mode (PgBouncer), which cannot keep them.
SURVEY_PREPARED_STATEMENTS = env.bool("SURVEY_PREPARED_STATEMENTS", default=True)
