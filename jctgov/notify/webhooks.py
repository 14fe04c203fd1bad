"""Webhooks: safe URLs, bodies (generic JSON, Discord, Slack), signatures, and the sender.

Safety (SSRF): a URL must resolve only to public addresses unless
``NOTIFY_ALLOW_PRIVATE_WEBHOOKS`` (development and tests). The check runs when a webhook is
added and again at every send, inside the sender's DNS resolver, so the connection goes to
exactly the addresses that were checked and a DNS answer that changes in between (rebinding)
can't point a send at a private address; TLS still verifies the host name. Redirects are not
followed; connect/read timeouts and a response size cap bound every request.

The body is the same for every subscriber of an event in one format; each request differs in
its ``Idempotency-Key`` (one per delivery, the same on every retry) and its signature.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from jctgov.core.errors import ApplicationError
from jctgov.notify import http

MAX_URL = 500
SIGNATURE_HEADER = "X-Jctgov-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class UnsafeWebhook(ApplicationError):
    code = "webhook_url_not_allowed"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    ip: str


_public = http.is_public


def resolve(url: str) -> Target:
    """Parse and resolve ``url``; refuse a private, loopback, link-local or otherwise
    non-public address (any of the host's addresses) unless private webhooks are allowed."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeWebhook("Not a valid URL.", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhook("Use an http:// or https:// URL.", code="invalid_url", field="url")
    if parts.username or parts.password:
        raise UnsafeWebhook("No user name or password in the URL.", code="invalid_url", field="url")
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeWebhook(
            f"{parts.hostname} does not resolve.", code="webhook_host_unresolvable", field="url"
        ) from None
    ips = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS:
        bad = [ip for ip in ips if not _public(ip)]
        if bad:
            raise UnsafeWebhook(
                f"{parts.hostname} resolves to {bad[0]}, a private or reserved address.",
                field="url",
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, str(ips[0]))


def check_url(url: str) -> str:
    url = (url or "").strip()
    if any(not 32 < ord(c) < 127 for c in url):
        raise UnsafeWebhook(
            "Only printable ASCII in the URL (percent-encode the rest).",
            code="invalid_url",
            field="url",
        )
    if not url or len(url) > MAX_URL:
        raise UnsafeWebhook(
            f"A URL of at most {MAX_URL} characters.", code="invalid_url", field="url"
        )
    resolve(url)
    return url


# --- bodies and signatures ------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def body(fmt: str, event: Any, link: str) -> bytes:
    """The request body for a channel format: Discord's ``content``, Slack's ``text`` (mrkdwn,
    escaped), or the generic JSON event."""
    if fmt == "discord":
        text = f"**{event.title}**\n{event.text}\n{link}"[:2000]
        doc: dict[str, Any] = {"content": text, "allowed_mentions": {"parse": []}}
    elif fmt == "slack":
        doc = {"text": f"*{_slack_escape(event.title)}*\n{_slack_escape(event.text)}\n<{link}>"}
    else:
        doc = {
            "event": event.pk,
            "type": event.type,
            "created_at": event.created_at.isoformat(),
            "subject": event.subject,
            "title": event.title,
            "text": event.text,
            "url": link,
            "data": event.data,
        }
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, timestamp: int, payload: bytes) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``: the timestamp is
    signed too, so a receiver can refuse an old request replayed."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, payload: bytes, tolerance_s: int = 300) -> bool:
    """What a receiver does (the README shows it): recompute and compare in constant time."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, payload), header)


# --- sending ----------------------------------------------------------------------------

Result = http.Result
_sender: http.Sender | None = None
_sender_lock = threading.Lock()


def _limits() -> http.Limits:
    return http.Limits(
        concurrency=settings.NOTIFY_SEND_CONCURRENCY,
        connect_timeout_s=settings.NOTIFY_WEBHOOK_CONNECT_TIMEOUT_S,
        read_timeout_s=settings.NOTIFY_WEBHOOK_READ_TIMEOUT_S,
        max_response_bytes=settings.NOTIFY_WEBHOOK_MAX_RESPONSE_BYTES,
        allow_private=settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS,
    )


def post_many(requests: list[tuple[str, bytes, dict[str, str]]]) -> list[Result]:
    """POST each (url, body, headers) concurrently over pooled keep-alive connections; a 2xx
    answer is success. Never raises for network trouble: each failure is a Result with the
    reason (shown in the delivery log)."""
    global _sender
    if not requests:
        return []
    with _sender_lock:
        if _sender is None or _sender.pid != os.getpid():  # a forked worker starts its own
            _sender = http.Sender(_limits)
    return _sender.post_many(requests)


def post(url: str, payload: bytes, headers: dict[str, str]) -> Result:
    return post_many([(url, payload, headers)])[0]
