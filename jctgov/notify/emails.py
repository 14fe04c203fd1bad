"""Email: the verification link and event emails, in plain text and HTML, each event email with
a one-click unsubscribe link (RFC 8058) that works without signing in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from jctgov.notify.services import site_url, unsubscribe_token, verification_token


def _message(
    to: str, subject: str, template: str, context: dict[str, Any], connection=None, headers=None
):
    text = render_to_string(f"notify/email/{template}.txt", context)
    html = render_to_string(f"notify/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        connection=connection,
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message


def send_verification(channel: Any) -> None:
    link = site_url(f"/notifications/verify/{verification_token(channel)}/")
    _message(
        channel.target,
        "Confirm your email address for jctgov notifications",
        "verify",
        {"link": link, "address": channel.user.address},
    ).send()


def event_message(delivery: Any, connection=None) -> EmailMultiAlternatives:
    event, channel = delivery.event, delivery.channel
    unsubscribe = site_url(f"/notifications/unsubscribe/{unsubscribe_token(channel)}/")
    context = {
        "event": event,
        "link": site_url(event.url),
        "unsubscribe": unsubscribe,
        "settings_url": site_url("/notifications/"),
    }
    return _message(
        channel.target,
        f"[jctgov] {event.title}",
        "event",
        context,
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Jctgov-Event": event.type,
        },
    )


def connection():
    return get_connection(timeout=settings.EMAIL_TIMEOUT)
