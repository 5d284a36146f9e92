"""`make demo`: SQLite under var/, served on 127.0.0.1.

Debug pages are off by default, so the demo shows the French error pages and never Django's
debug 404 with the URL map; a developer sets PIMM_DEBUG=1 for tracebacks. Static files are
served by WhiteNoise from the apps' folders (finders), with or without DEBUG."""

from pimm.settings.base import *  # noqa: F403
from pimm.settings.env import env_bool

DEBUG = env_bool("PIMM_DEBUG", False)
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
