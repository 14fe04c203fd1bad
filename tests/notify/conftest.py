"""Real parts for notification tests: an SMTP server (aiosmtpd) and a webhook receiver, both on
loopback, each on a free port."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jctgov.notify import webhooks


class SmtpInbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp_server(settings):
    """An SMTP server on 127.0.0.1; Django's SMTP backend is pointed at it."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port (the controller's start() needs a real one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    inbox.port = settings.EMAIL_PORT
    yield inbox
    controller.stop()


class Receiver:
    """Checks every request's HMAC signature and records its idempotency key. A path answers
    with the status set in ``statuses`` (200 by default)."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.statuses: dict[str, int] = {}
        self.requests: list[dict] = []
        self.bad_signatures = 0
        self.keys: Counter = Counter()
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def handle(self, path: str, headers, body: bytes) -> int:
        secret = self.secrets.get(path)
        signature = headers.get(webhooks.SIGNATURE_HEADER, "")
        valid = bool(secret) and webhooks.verify(secret, signature, body)
        key = headers.get(webhooks.IDEMPOTENCY_HEADER)
        with self.lock:
            if not valid:
                self.bad_signatures += 1
            status = self.statuses.get(path, 200)
            if 200 <= status < 300:
                self.keys[key] += 1
            self.requests.append(
                {
                    "path": path,
                    "key": key,
                    "valid": valid,
                    "status": status,
                    "json": json.loads(body),
                    "at": time.monotonic(),
                }
            )
        return status if valid else 401

    def delivered(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [
                r
                for r in self.requests
                if r["status"] == 200 and (path is None or r["path"] == path)
            ]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path.startswith("/slow"):
                time.sleep(1.5)
            status = state.handle(self.path, self.headers, body)
            if status in (301, 302, 307):
                self.send_response(status)
                self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            reply = b"x" * 200_000 if self.path.startswith("/huge") else b"ok"
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def subscribe(receiver):
    """Add a webhook of ``user`` pointing at the receiver's ``path``; the receiver learns its
    secret (as the real receiver would, from the page that shows it once)."""
    from jctgov.notify import services

    def subscribe(user, path: str, **kw):
        channel = services.webhook_create(user=user, url=receiver.url(path), **kw)
        receiver.secrets[path] = channel.secret
        return channel

    return subscribe
