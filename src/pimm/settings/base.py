"""Settings shared by every environment.

Assembly: `base` holds everything; `dev` (make demo), `test` (pytest) and `production` import it and
override a few names, each read from the environment through `env.py`. The database comes from
`DATABASE_URL`-like variables: `PIMM_DB_ENGINE` = sqlite (default, file under var/) or postgresql.
"""

from pathlib import Path

from django.utils.csp import CSP

from pimm.settings.env import env_bool, env_int, env_list, env_str

SRC_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = SRC_DIR.parent.parent
VAR_DIR = Path(env_str("PIMM_VAR_DIR", str(PROJECT_DIR / "var")))

SECRET_KEY = env_str("PIMM_SECRET_KEY", "dev-only-not-secret-change-me-0123456789abcdefghijklmnop")
DEBUG = env_bool("PIMM_DEBUG", False)
ALLOWED_HOSTS = env_list("PIMM_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "simple_history",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger files itself (no CDN: the CSP allows 'self' only)
    "django_tasks_db",
    "pimm.accounts",
    "pimm.registry",
    "pimm.oncall",
    "pimm.web",
    "pimm.planning",
    "pimm.demo",
    "pimm.worklist",
    "pimm.interop",
    "pimm.evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "pimm.api_errors.ApiJsonErrorsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pimm.accounts.middleware.RequireSecondFactorMiddleware",
    "pimm.http_security.NoStoreMiddleware",
    "pimm.input_guard.InputGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# The Content-Security-Policy production sends (SECURE_CSP there): no inline script at all (page
# behaviours are data attributes read by web/js/behaviours.js), images from the site and data: URLs
# (the TOTP QR code). Inline styles are still allowed: style attributes remain in the templates.
PIMM_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

ROOT_URLCONF = "pimm.urls"
WSGI_APPLICATION = "pimm.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pimm.web.context_processors.navigation",
            ],
        },
    }
]


def _database() -> dict:
    engine = env_str("PIMM_DB_ENGINE", "sqlite")
    if engine == "postgresql":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env_str("PIMM_DB_NAME", "pimm"),
            "USER": env_str("PIMM_DB_USER", "pimm"),
            "PASSWORD": env_str("PIMM_DB_PASSWORD", ""),
            "HOST": env_str("PIMM_DB_HOST", "127.0.0.1"),
            "PORT": env_str("PIMM_DB_PORT", "5432"),
            "CONN_MAX_AGE": env_int("PIMM_DB_CONN_MAX_AGE", 60),
            # psycopg may prepare statements (Django turns it off): only the routing queries run
            # through server-side binding cursors and ask for it (worklist.adapter); Django's
            # own cursors bind client-side and are never prepared
            "OPTIONS": {"prepare_threshold": 5},
            "TEST": {"NAME": env_str("PIMM_DB_TEST_NAME", "test_pimm")},
        }
    if engine != "sqlite":
        raise ValueError(f"PIMM_DB_ENGINE must be sqlite or postgresql, not {engine!r}")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env_str("PIMM_DB_PATH", str(VAR_DIR / "pimm.sqlite3")),
        # a web server on SQLite: readers never block the writer (WAL), a write transaction takes
        # the lock when it starts rather than failing on upgrade (IMMEDIATE), and a writer waits up
        # to PIMM_SQLITE_BUSY_SECONDS for the lock instead of answering "database is locked"
        "OPTIONS": {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA busy_timeout={env_int('PIMM_SQLITE_BUSY_SECONDS', 30) * 1000};"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("PIMM_SQLITE_BUSY_SECONDS", 30),
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Login rate limiting (django-axes): lock a username *from one client address* after 5 failures
# for 15 minutes; a try during the lock does not restart it. The client address is the real one
# behind the reverse proxies listed in PIMM_TRUSTED_PROXIES (docs/operations.md), never the
# proxy's, or five wrong passwords from anyone would lock the account for everyone.
AXES_FAILURE_LIMIT = env_int("PIMM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "pimm.accounts.client_ip.client_ip"
# addresses or networks of the reverse proxies whose X-Forwarded-For is believed (none by default)
PIMM_TRUSTED_PROXIES = env_list("PIMM_TRUSTED_PROXIES", "")
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# Roles that must use a second factor (TOTP). Empty in dev/test; production requires it.
PIMM_REQUIRE_2FA_ROLES = env_list("PIMM_REQUIRE_2FA_ROLES", "")
OTP_TOTP_ISSUER = "pimm"
# Coordinators, administrators and superusers: a session lasts this long without activity (seconds)
PIMM_PRIVILEGED_SESSION_SECONDS = env_int("PIMM_PRIVILEGED_SESSION_SECONDS", 4 * 3600)

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PIMM_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
