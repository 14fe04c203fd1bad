"""The Django admin's password login, rate-limited per client.

The admin is the one place with passwords (staff accounts; wallets have none), so without a
limit it invites guessing. Attempts (POSTs) are counted per client address in the shared cache,
like the API's limits (``JCTGOV_RATE_ADMIN_LOGIN``, ``JCTGOV_TRUSTED_PROXIES`` decides which
address is the client's); over the limit the answer is 429 with ``Retry-After``.
"""

from __future__ import annotations

import math

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import SimpleRateThrottle


class AdminLoginThrottle(SimpleRateThrottle):
    scope = "admin_login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """admin.site.login, after the attempt is counted (GETs show the form uncounted)."""
    if request.method == "POST":
        throttle = AdminLoginThrottle()
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]  # no DRF view here
            retry_after = max(1, math.ceil(throttle.wait() or 1))
            response = HttpResponse(
                f"Too many sign-in attempts. Try again in {retry_after} seconds.\n",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(retry_after)
            return response
    return admin.site.login(request, extra_context)
