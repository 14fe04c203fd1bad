"""Notification fan-out benchmark (not a timed test). Run: .venv/bin/python bench/notify.py

One event is fanned out to N (10,000) subscribers, each with a webhook to a receiver on
loopback, through the same services the Celery tasks call: ``emit`` inside a transaction,
``event_fan_out`` (chunked ``INSERT … ON CONFLICT DO NOTHING``), then ``deliveries_send_due``
(claims of 500 rows with ``FOR UPDATE SKIP LOCKED``, one JSON body per event and format,
a signature per request, ``NOTIFY_SEND_CONCURRENCY`` concurrent requests over pooled
keep-alive connections, results recorded in bulk). ``--senders K`` runs K sender processes at
once, as K Celery workers would.

The receiver (a minimal asyncio HTTP server in its own process) checks every HMAC-SHA256
signature against the subscriber's secret and counts idempotency keys. duplicates = requests beyond the first per
key; lost = subscribers whose delivery never arrived or is not recorded as sent.

Uses a throwaway PostgreSQL database (<name>_bench_notify on the server in DATABASE_URL; SQLite
works too but is not the figure). Last line exactly:
``notify: subscribers=N deliveries_per_s=X duplicates=D lost=L``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import multiprocessing as mp
import os
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jctgov.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # development settings: a bench, not a deployment
os.environ.setdefault("NOTIFY_ALLOW_PRIVATE_WEBHOOKS", "1")  # the receiver is on loopback


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def receiver(port: int, secrets: dict[str, str], ready) -> None:
    """The webhook receiver (a minimal HTTP/1.1 server on asyncio, so that it is not what is
    measured): verify each signature, count each idempotency key, answer 204."""
    import asyncio
    import json
    import resource
    from collections import Counter

    keys: Counter = Counter()
    bad = [0]

    def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
        if method == "GET":  # /stats
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            doc = json.dumps(
                {
                    "keys": len(keys),
                    "duplicates": sum(n - 1 for n in keys.values()),
                    "bad": bad[0],
                    "cpu_s": cpu.ru_utime + cpu.ru_stime,
                }
            ).encode()
            return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(doc), doc)
        fields = dict(p.split("=", 1) for p in headers["x-jctgov-signature"].split(","))
        mac = hmac.new(
            secrets[path].encode(), f"{fields['t']}.".encode() + body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(mac, fields["v1"]):
            bad[0] += 1
            return b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"
        keys[headers["idempotency-key"]] += 1
        return b"HTTP/1.1 204 No Content\r\n\r\n"

    class Http(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.buffer = transport, b""

        def data_received(self, data):
            self.buffer += data
            while True:
                head, sep, rest = self.buffer.partition(b"\r\n\r\n")
                if not sep:
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", 0))
                if len(rest) < length:
                    return
                self.buffer = rest[length:]
                self.transport.write(answer(method, path, headers, rest[:length]))

    async def serve():
        server = await asyncio.get_running_loop().create_server(Http, "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def sender(database: str, budget: float) -> None:
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database
    django.setup()
    from jctgov.notify.delivery import deliveries_send_due

    deliveries_send_due(budget_s=budget)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=1, help="sender processes")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from jctgov.notify import events, services
    from jctgov.notify.delivery import deliveries_send_due, event_fan_out
    from jctgov.notify.models import Channel, Delivery
    from jctgov.wallets.models import User

    db = settings.DATABASES["default"]
    sqlite = db["ENGINE"].endswith("sqlite3")
    db.setdefault("TEST", {})["NAME"] = (
        str(settings.VAR_DIR / "bench-notify.sqlite3") if sqlite else f"{db['NAME']}_bench_notify"
    )
    real_name = db["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    settings.DEBUG = False
    try:
        n = args.subscribers
        port = free_port()
        password = make_password(None)
        User.objects.bulk_create(
            [User(address="0x" + f"{i + 1:040x}", password=password) for i in range(n)],
            batch_size=2_000,
        )
        users = list(User.objects.order_by("id").values_list("id", flat=True))
        secrets = {f"/h/{i}": f"whsec_bench_{i}" for i in range(n)}
        chosen = events.encode(["proposal.closed"])
        Channel.objects.bulk_create(
            [
                Channel(
                    user_id=user_id,
                    kind="webhook",
                    target=f"http://127.0.0.1:{port}/h/{i}",
                    secret=secrets[f"/h/{i}"],
                    events=chosen,
                )
                for i, user_id in enumerate(users)
            ],
            batch_size=2_000,
        )
        ready = mp.get_context("fork").Event()
        server = mp.get_context("fork").Process(
            target=receiver, args=(port, secrets, ready), daemon=True
        )
        server.start()
        ready.wait(30)
        time.sleep(0.5)
        print(f"{n} subscribers with a webhook each; receiver on 127.0.0.1:{port}", flush=True)

        started = time.perf_counter()
        cpu = time.process_time()
        with transaction.atomic():
            event = services.emit(
                "proposal.closed",
                message=("#1 Raise quorum", "Voting closed: succeeded.", "/proposals/1/"),
            )
        added = event_fan_out(event_id=event.pk)
        fanned = time.perf_counter()
        if args.senders > 1:
            connection.close()
            ctx = mp.get_context("fork")
            workers = [
                ctx.Process(target=sender, args=(db["NAME"], 300.0)) for _ in range(args.senders)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        else:
            deliveries_send_due(budget_s=300.0)
        finished = time.perf_counter()
        cpu = time.process_time() - cpu

        import json
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=30) as answer:
            stats = json.load(answer)
        server.terminate()
        sent = Delivery.objects.filter(event=event, status="sent").count()
        lost = n - min(stats["keys"], sent)
        rate = n / (finished - started)
        print(f"fan-out: {added} deliveries in {fanned - started:.2f} s")
        print(
            f"sending: {finished - fanned:.2f} s with {args.senders} sender process(es) × "
            f"{settings.NOTIFY_SEND_CONCURRENCY} concurrent requests; this process used {cpu:.2f} s CPU"
        )
        print(
            f"receiver: {stats['keys']} distinct keys, {stats['duplicates']} repeats, "
            f"{stats['bad']} bad signatures, {stats['cpu_s']:.2f} s CPU; "
            f"{sent} deliveries recorded as sent"
        )
        if args.senders == 1:
            print(
                f"CPU: {n / cpu:.0f} deliveries per CPU-second of the sending process "
                f"(fan-out, claims, signing, HTTP, recording); load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores during the run"
            )
        print(
            f"notify: subscribers={n} deliveries_per_s={rate:.0f} "
            f"duplicates={stats['duplicates']} lost={lost}"
        )
    finally:
        connection.creation.destroy_test_db(real_name, verbosity=0)


if __name__ == "__main__":
    main()
