from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from jctgov.core.errors import error_body


def signin(request):
    """/signin/?next=…: where sign-in-only pages send a visitor. It asks to sign in with the
    wallet on the spot, and wallet.js returns to ``next`` (a path on this site) afterwards."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not target.startswith("/"):
        target = "/"
    if request.user.is_authenticated:
        return redirect(target)
    return render(request, "signin.html", {"next": target})


def livez(request):
    """Liveness: the web process answers, nothing else is touched (no database, no cache).

    For a load balancer's liveness probe; /healthz is the readiness check. bench/load.py
    also uses it as the ceiling: the fastest answer the whole middleware stack can give.
    """
    return HttpResponse("ok", content_type="text/plain")


def healthz(request):
    """Liveness for operators and the run script: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def not_found(request, exception=None):
    """API callers get the JSON error shape; people get a page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "No such API path."), status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("server_error", "Internal error; it has been logged."), status=500
        )
    return render(request, "500.html", status=500)
