"""NPS Desk settings: one module, configured by environment variables.

With no variables set, the embedded default applies: SQLite under var/, Celery tasks run
eagerly in-process, mail and SMS go to the console. Production sets DATABASE_URL,
REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and the delivery settings.
"""

from importlib.util import find_spec
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "nps_project.csp.ContentSecurityPolicyMiddleware",
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
# plotly.js is served as our own static file, straight from the plotly package (no CDN).
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/plotly", Path(find_spec("plotly").origin).parent / "package_data")]
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
# A broker that is down must not hold a customer's request for long: fail fast, the
# periodic sweep (send_due_invitations) picks up whatever could not be enqueued.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULE = {
    "send-due-invitations": {"task": "surveys.tasks.send_due_invitations", "schedule": 60.0},
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
}

# Company-wide NPS target drawn on the dashboards (departments have their own).
COMPANY_TARGET_NPS = env.int("COMPANY_TARGET_NPS", default=None)

# Champions: agents need this many answers on the agent question to be ranked; top N shown.
CHAMPION_MIN_RESPONSES = env.int("CHAMPION_MIN_RESPONSES", default=30)
CHAMPION_TOP_N = env.int("CHAMPION_TOP_N", default=20)
CHAMPION_PERIOD_DAYS = env.int("CHAMPION_PERIOD_DAYS", default=90)

# Like the broker: an unreachable Redis must not hold a customer's request for long
# (redis-py alone waits 5 s to connect). Answers still store; only cache flags are lost.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "nps_project.cache.RedisCache",  # Django's, reusing its client objects
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
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NPS Desk API",
    "DESCRIPTION": "Post-interaction Net Promoter Score for contact centers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Follow-up cases ---------------------------------------------------------------------
# An answer at or below this on either question opens a follow-up case (6: NPS detractors).
FOLLOWUP_DETRACTOR_MAX = env.int("FOLLOWUP_DETRACTOR_MAX", default=6)
# Hours a supervisor has to follow a case up before it is overdue and escalated to admins.
FOLLOWUP_DUE_HOURS = env.int("FOLLOWUP_DUE_HOURS", default=48)
CELERY_BEAT_SCHEDULE |= {
    "case-alert-digests": {"task": "analytics.tasks.send_case_digests", "schedule": crontab(minute=0)},
    # Escalate overdue cases; resend alerts and recovery surveys a mail outage held back.
    "sweep-followups": {"task": "analytics.tasks.sweep_followups", "schedule": crontab(minute="*/15")},
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

# --- Public survey page limits -------------------------------------------------------------
# An address that opens more than this many unknown or wrong survey links in a minute gets
# 429 until the minute ends (misses only: real links never count). Kept in the cache.
SURVEY_LINK_MISS_LIMIT = env.int("SURVEY_LINK_MISS_LIMIT", default=60)
# Reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The survey page's hot queries are prepared once per connection (surveys/prepared.py);
# false behind a pooler in transaction mode (PgBouncer), which cannot keep them.
SURVEY_PREPARED_STATEMENTS = env.bool("SURVEY_PREPARED_STATEMENTS", default=True)
