"""The home page and the steward console. Reads only, through ``dashboard.selectors``; every
action on them goes through the JSON API (actions.js, safe.js)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jctgov.dashboard import selectors
from proposals.domain import executor_configured


def home(request: HttpRequest) -> HttpResponse:
    """A signed-in wallet's to-do and standing; a visitor's view of what is open."""
    if request.user.is_authenticated:
        return render(request, "dashboard/home_holder.html", selectors.holder_home(request.user))
    return render(request, "dashboard/home_visitor.html", selectors.visitor_home())


def steward_console(request: HttpRequest) -> HttpResponse:
    """One page for a steward's work: proposals, grant decisions, payouts, Safe signatures."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_steward:
        return render(request, "dashboard/not_steward.html", status=403)
    context = selectors.steward_console(request.user)
    context["executor_configured"] = executor_configured()
    return render(request, "dashboard/steward.html", context)
