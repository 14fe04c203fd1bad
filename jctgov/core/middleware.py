"""Refuse hostile requests at the door, before any view, parser or session lookup sees them."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from jctgov.core.errors import error_body


def _refusal(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, message), status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class HostileInputMiddleware:
    """Body size, NUL bytes in the query string and cookies.

    - A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``DJANGO_MAX_BODY_BYTES``) is answered 413
      ``request_too_large`` from its Content-Length, unread. Django enforces that limit only for
      form bodies; DRF's JSON parser reads the stream whole, so without this a client could make
      the process buffer and parse any size it likes.
    - A NUL in a query parameter is refused with 400 ``invalid_text``: PostgreSQL can't compare
      text with NUL, so a filter like ``?state=%00`` would be a 500.
    - Cookies holding a NUL are dropped (``sessionid="…\\000"`` unquotes to one), for the same
      reason: the session lookup would fail in the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return _refusal(
                request,
                413,
                "request_too_large",
                f"The request body is larger than {limit} bytes.",
            )
        if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            return _refusal(
                request, 400, "invalid_text", "Query parameters may not contain NUL characters."
            )
        if any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items()):
            request.COOKIES = {k: v for k, v in request.COOKIES.items() if "\x00" not in k + v}
        return self.get_response(request)
