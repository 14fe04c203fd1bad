"""Notification pages: settings (/notifications/), the inbox, and the signed links from emails.

Plain HTML forms posting to these views, which call the services; nothing needs JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from jctgov.core.errors import ApplicationError
from jctgov.notify import events, selectors, services
from jctgov.notify.models import Channel


def _groups(selected: list[str]) -> list[dict]:
    groups: dict[str, list] = {}
    for t in events.EVENT_TYPES.values():
        groups.setdefault(t.group, []).append(
            {"key": t.key, "label": t.label, "on": t.key in selected}
        )
    return [{"name": name, "types": types} for name, types in groups.items()]


def settings_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    inbox = services.inbox_ensure(user=user)
    channels = selectors.channels(user=user)
    email = next((c for c in channels if c.kind == Channel.Kind.EMAIL), None)
    hooks = [c for c in channels if c.kind == Channel.Kind.WEBHOOK]
    return render(
        request,
        "notify/settings.html",
        {
            "inbox": inbox,
            "inbox_groups": _groups(events.decode(inbox.events)),
            "email": email,
            "email_groups": _groups(
                events.decode(email.events) if email else events.defaults("email")
            ),
            "webhooks": [{"channel": h, "types": len(events.decode(h.events))} for h in hooks],
            "webhook_groups": _groups(events.defaults("webhook")),
            "formats": Channel.Format.choices,
            "log": selectors.delivery_log(user=user, limit=30),
            "new_secret": request.session.pop("notify_new_secret", None),
        },
    )


def _chosen(request: HttpRequest) -> list[str]:
    return [k for k in request.POST.getlist("events") if k in events.EVENT_TYPES]


def _act(request: HttpRequest, action, done: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login("/notifications/")
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("notify:settings")


@require_POST
def inbox_events(request: HttpRequest) -> HttpResponse:
    def act():
        inbox = services.inbox_ensure(user=request.user)
        services.channel_update(user=request.user, channel_id=inbox.pk, events_=_chosen(request))

    return _act(request, act, "Inbox events saved.")


@require_POST
def email_save(request: HttpRequest) -> HttpResponse:
    def act():
        services.email_set(
            user=request.user, address=request.POST.get("email", ""), events_=_chosen(request)
        )

    return _act(request, act, "Email saved. If the address is new, open the link we mailed to it.")


@require_POST
def webhook_add(request: HttpRequest) -> HttpResponse:
    def act():
        channel = services.webhook_create(
            user=request.user,
            url=request.POST.get("url", ""),
            format=request.POST.get("format", "json"),
            events_=_chosen(request),
        )
        # Shown once, on the next page, then gone from the session.
        request.session["notify_new_secret"] = {"url": channel.target, "secret": channel.secret}

    return _act(request, act, "Webhook added.")


@require_POST
def channel_action(request: HttpRequest, channel_id: int) -> HttpResponse:
    action = request.POST.get("action")

    def act():
        if action == "delete":
            services.channel_delete(user=request.user, channel_id=channel_id)
        elif action in ("pause", "resume"):
            services.channel_update(
                user=request.user, channel_id=channel_id, active=action == "resume"
            )
        else:
            raise ApplicationError("Unknown action.", code="invalid_action")

    return _act(
        request,
        act,
        {"delete": "Removed.", "pause": "Paused.", "resume": "Resumed."}.get(action or "", ""),
    )


def inbox_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "notify/inbox.html", {"items": selectors.inbox_items(user=request.user)})


@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login("/notifications/inbox/")
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.inbox_mark_read(user=request.user, ids=ids)
    return redirect("notify:inbox")


@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the address and a button; only the POST verifies it. Mail scanners and link
    prefetchers open links on their own, and must not confirm an address for its owner."""
    try:
        if request.method == "POST":
            channel = services.email_verify(token=token)
            return render(request, "notify/link.html", {"verified": channel.target})
        channel = services.email_verification_channel(token=token)
    except ApplicationError as exc:
        return render(request, "notify/link.html", {"error": exc.message}, status=400)
    context = {"confirm_verify": channel.target, "already": bool(channel.verified_at)}
    return render(request, "notify/link.html", context)


@csrf_exempt  # RFC 8058 one-click: mail clients POST without a session; the token is the proof
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            channel = services.unsubscribe(token=token)
        except ApplicationError as exc:
            return render(request, "notify/link.html", {"error": exc.message}, status=400)
        return render(request, "notify/link.html", {"unsubscribed": channel.target})
    return render(request, "notify/link.html", {"confirm_unsubscribe": True})
