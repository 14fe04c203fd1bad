"""What Django's development error pages may show: settings and request data with the
passwords inside URLs masked (DATABASE_URL, CACHE_URL, CELERY_BROKER_URL, an RPC URL with a key).

Django's own filter hides settings whose *name* looks secret (KEY, PASS, TOKEN…), but
``DATABASE_URL=postgres://user:secret@db/jctgov`` has an innocent name and its password in the
value, and under runserver the whole process environment is in ``request.META``.
"""

from __future__ import annotations

import re

from django.views.debug import SafeExceptionReporterFilter

# scheme://user:password@host → scheme://user:********@host (also a lone ":password@").
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s]+(?=@)")
MASK = "********"


def mask_url_credentials(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` in it masked."""
    return _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)


class CredentialMaskingFilter(SafeExceptionReporterFilter):
    """Django's filter, plus URL passwords masked in settings, META and frame variables."""

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        return mask_url_credentials(cleansed) if isinstance(cleansed, str) else cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [
            (name, mask_url_credentials(value) if isinstance(value, str) else value)
            for name, value in variables
        ]
