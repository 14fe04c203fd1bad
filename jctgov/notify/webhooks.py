"""Webhooks: safe URLs, bodies (generic JSON, Discord, Slack), signatures, and the sender.

Safety (SSRF): a URL must resolve only to public addresses unless
``NOTIFY_ALLOW_PRIVATE_WEBHOOKS`` (development and tests). The check runs when a webhook is
added and again at every send, and the request goes to the address that was checked (the
connection is pinned to it, TLS still verifies the host name), so a DNS answer that changes in
between (rebinding) can't point a send at a private address. Redirects are not followed;
connect/read timeouts and a response size cap bound every request.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

from jctgov.core.errors import ApplicationError

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


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast


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
    ips = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
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
    if not url or len(url) > MAX_URL:
        raise UnsafeWebhook(
            f"A URL of at most {MAX_URL} characters.", code="invalid_url", field="url"
        )
    resolve(url)
    return url


# --- bodies and signatures ------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def body(fmt: str, event: Any, key: str, link: str) -> bytes:
    """The request body for a channel format: Discord's ``content``, Slack's ``text`` (mrkdwn,
    escaped), or the generic JSON event."""
    if fmt == "discord":
        text = f"**{event.title}**\n{event.text}\n{link}"[:2000]
        doc: dict[str, Any] = {"content": text, "allowed_mentions": {"parse": []}}
    elif fmt == "slack":
        doc = {"text": f"*{_slack_escape(event.title)}*\n{_slack_escape(event.text)}\n<{link}>"}
    else:
        doc = {
            "id": key,
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


# --- sending -----------------------------------------------------------------------------


@dataclass
class Result:
    ok: bool
    status: int | None = None
    error: str = ""


_pools: dict[tuple, urllib3.HTTPConnectionPool] = {}
_pools_lock = threading.Lock()


def _pool(target: Target) -> urllib3.HTTPConnectionPool:
    """A keep-alive pool per (address, host): connections to the checked address only."""
    key = (target.scheme, target.ip, target.port, target.host)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            options: dict[str, Any] = {
                "maxsize": settings.NOTIFY_SEND_CONCURRENCY,
                "block": True,
                "retries": False,
            }
            if target.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    target.ip,
                    target.port,
                    server_hostname=target.host,
                    assert_hostname=target.host,
                    cert_reqs="CERT_REQUIRED",
                    **options,
                )
            else:
                pool = urllib3.HTTPConnectionPool(target.ip, target.port, **options)
            _pools[key] = pool
        return pool


def post(url: str, payload: bytes, headers: dict[str, str]) -> Result:
    """POST ``payload``; a 2xx answer is success. Never raises for network trouble."""
    try:
        target = resolve(url)  # again at send time: DNS may have changed since
    except ApplicationError as exc:
        return Result(False, None, exc.message)
    host = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    if ":" in target.host and not target.host.startswith("["):
        host = f"[{target.host}]" if target.port in (80, 443) else f"[{target.host}]:{target.port}"
    limit = settings.NOTIFY_WEBHOOK_MAX_RESPONSE_BYTES
    try:
        response = _pool(target).urlopen(
            "POST",
            target.path,
            body=payload,
            headers={**headers, "Host": host, "Content-Type": "application/json"},
            redirect=False,
            assert_same_host=False,
            timeout=urllib3.Timeout(
                connect=settings.NOTIFY_WEBHOOK_CONNECT_TIMEOUT_S,
                read=settings.NOTIFY_WEBHOOK_READ_TIMEOUT_S,
            ),
            preload_content=False,
            release_conn=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        return Result(False, None, f"{type(exc).__name__}: {exc}"[:300])
    try:
        data = response.read(limit + 1)
        if len(data) > limit:
            response.close()  # the connection is not reused: the rest is never read
            return Result(False, response.status, f"Response larger than {limit} bytes.")
        response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        response.close()
        return Result(False, response.status, f"{type(exc).__name__}: {exc}"[:300])
    if 200 <= response.status < 300:
        return Result(True, response.status)
    if 300 <= response.status < 400:
        return Result(
            False, response.status, f"HTTP {response.status}: redirects are not followed."
        )
    return Result(False, response.status, f"HTTP {response.status}")
