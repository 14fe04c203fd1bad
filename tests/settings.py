"""Settings for the test suite: the project's settings in development mode, asked for
explicitly (DJANGO_DEBUG is off by default). pytest-django still runs each test with
settings.DEBUG = False; this only selects the development defaults (dev secret key, plain
static storage, demo JCT price). Child processes that tests start inherit DJANGO_DEBUG=1."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from jctgov.settings import *  # noqa: E402,F403

# The canonical sign-in origin of Django's test client; browser tests point it at their live
# server (tests/fixtures/browser.py).
JCTGOV_SITE_URL = "http://testserver"
