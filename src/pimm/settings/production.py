"""Production: every secret from the environment, HTTPS only, second factor for coordinators.

Required: PIMM_SECRET_KEY, PIMM_ALLOWED_HOSTS, PIMM_DB_* (PostgreSQL). See docs/operations.md.
"""

from pimm.settings.base import *  # noqa: F403
from pimm.settings.env import env_bool, env_int, env_list, env_str

DEBUG = False
SECRET_KEY = env_str("PIMM_SECRET_KEY")
ALLOWED_HOSTS = env_list("PIMM_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("PIMM_CSRF_TRUSTED_ORIGINS", "")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("PIMM_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("PIMM_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CSP = PIMM_CSP  # noqa: F405

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

PIMM_REQUIRE_2FA_ROLES = env_list("PIMM_REQUIRE_2FA_ROLES", "coordinator,administrator")

# the documented deployment: gunicorn on loopback behind a reverse proxy on the same host
PIMM_TRUSTED_PROXIES = env_list("PIMM_TRUSTED_PROXIES", "127.0.0.1,::1")
