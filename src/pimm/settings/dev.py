"""`make demo`: SQLite under var/, debug pages on, served on 127.0.0.1."""

from pimm.settings.base import *  # noqa: F403
from pimm.settings.env import env_bool

DEBUG = env_bool("PIMM_DEBUG", True)
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
