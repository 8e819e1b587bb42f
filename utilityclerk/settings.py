"""UtilityClerk settings, driven by environment variables.

Defaults are safe for production: DEBUG is off, cookies are secure, HTTPS is enforced, and a
missing SECRET_KEY is an error rather than a silently weak key. `bin/serve` sets DEBUG=1 and a
throwaway key for local use.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set the SECRET_KEY environment variable.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

UTILITY_NAME = os.environ.get("UTILITY_NAME", "City of Cibolo Utilities")
UTILITY_ADDRESS = os.environ.get("UTILITY_ADDRESS", "200 S Main St, Cibolo, TX 78108")
UTILITY_PHONE = os.environ.get("UTILITY_PHONE", "(210) 555-0100")

# E-mail (past-due notices to customers who prefer e-mail): SMTP (EMAIL_HOST, by default
# the local mail relay); in development without EMAIL_HOST, printed to the console.
if os.environ.get("EMAIL_HOST") or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "billing@utility.example.gov")

INSTALLED_APPS = [
    "utilityclerk.core.admin_apps.UtilityAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "django_tasks_db",
    "utilityclerk.core",
    "utilityclerk.runs",
    "accounts",
    "payments",
    "payments.closeout",
    "payments.deposits",
    "payments.refunds",
    "permits",
    "collections_app",
    "collections_app.disputes",
    "workorders",
    "billing",
    "reports",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "utilityclerk.core.middleware.SecurityHeadersEverywhereMiddleware",
    "utilityclerk.logs.AccessLogMiddleware",
    "utilityclerk.core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "utilityclerk.core.middleware.NulInAddressMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "utilityclerk.core.middleware.CleanTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "utilityclerk.core.middleware.IdleSessionMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "utilityclerk.core.middleware.UnreadableHtmxHeaderMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "utilityclerk.core.middleware.RequestContextMiddleware",
    "utilityclerk.core.middleware.HtmxMessagesMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "utilityclerk.urls"
WSGI_APPLICATION = "utilityclerk.wsgi.application"

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
                "utilityclerk.core.context_processors.shell",
            ],
        },
    },
]

# PostgreSQL is the one database: constraints, triggers, sequences and pg_trgm are relied on.
# Connections, one of three ways (README, "Deploying"):
# - DATABASE_POOL=1: Django's psycopg pool in each gunicorn worker (DATABASE_POOL_MIN_SIZE,
#   DATABASE_POOL_MAX_SIZE: at least the worker's threads; DATABASE_POOL_TIMEOUT seconds to
#   wait for a free connection);
# - PGBOUNCER=1: DATABASE_URL points at PgBouncer in transaction mode (no server-side
#   cursors; the code takes only transaction-scoped advisory locks);
# - neither: one persistent connection per worker thread for CONN_MAX_AGE seconds.
DATABASE_POOL = env_bool("DATABASE_POOL", False)


def _database(url: str) -> dict:
    database = dj_database_url.parse(
        url,
        conn_max_age=0 if DATABASE_POOL else int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=not DATABASE_POOL,
    )
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("Database URLs must point at PostgreSQL (postgres://...).")
    options = database.setdefault("OPTIONS", {})
    # Short transactional queries do not gain from JIT compilation, and the set-based batch
    # queries (aging every account) lost a second to it.
    options["options"] = "-c jit=off"
    if DATABASE_POOL:
        options["pool"] = {
            "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "2")),
            "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "8")),
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }
    if env_bool("PGBOUNCER", False):
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    return database


DATABASES = {"default": _database(os.environ.get("DATABASE_URL", "postgres:///utilityclerk"))}
# Reports and exports may read from a streaming replica (utilityclerk/db_router.py); every
# write, every lock and every read inside a transaction stays on the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = _database(os.environ["DATABASE_REPLICA_URL"])
REPLICA_DATABASE = "replica" if "replica" in DATABASES else None
DATABASE_ROUTERS = ["utilityclerk.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (bill runs, late fees, notices, scheduled reports): Django's tasks framework
# with its queue in PostgreSQL. `manage.py db_worker` runs the tasks; start as many workers,
# on as many machines, as the work needs: they share the one queue.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock-out after this many failed sign-ins (django-axes): by username from anywhere, by
# address across usernames (password spraying), and by the two together; the sign-in page,
# the admin's and the cash-drop witness box count on the one lock (utilityclerk.core.signin).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "utilityclerk.core.signin.client_ip"
AXES_LOCKOUT_CALLABLE = "utilityclerk.core.signin.lockout_response"
AXES_VERBOSE = False  # no banner on every manage.py command; lock-outs are still logged
# Supervisors and admins sign in with a code from an authenticator app as well (TOTP,
# django-otp); the first sign-in after this is on enrols the app.
SECOND_FACTOR_REQUIRED = env_bool("SECOND_FACTOR_REQUIRED", False)
OTP_TOTP_ISSUER = UTILITY_NAME

# Idle sign-out: the session lives this long after the last request (IdleSessionMiddleware
# renews it at most once a minute).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Chicago")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# In development (and tests) WhiteNoise serves straight from the app folders; production serves
# the collected, hashed and compressed copies in STATIC_ROOT (`manage.py collectstatic`).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Security headers. HTTPS settings default on; a deployment behind a TLS-terminating proxy
# keeps them on and sets SECURE_PROXY_SSL_HEADER through the proxy's header.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The load balancer probes /healthz over plain HTTP inside the network; a 301 to HTTPS
# would read as down.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
# Only our own origin: htmx and our script are served from static files; no inline script
# or style is used anywhere (htmx's indicator style is turned off in its config).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# One JSON line per request on stdout (utilityclerk/logs.py), scrubbed of card numbers,
# passwords and session ids; errors are JSON lines with their traceback. Django's own
# per-request warnings (404, 403) would be a second line for the same request: the access
# line has the status.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "utilityclerk.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"level": "CRITICAL"},
        "axes.apps": {"level": "WARNING"},
    },
}
