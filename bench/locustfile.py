"""Locust users for bench/load.py (run by it; not meant to be started by hand).

Reads the running bench stack from var/bench/stack.json (BENCH_STACK_FILE). Users:

- ``Holder``: a token holder reading the proposal list and detail pages and the API, 2-5 s
  between requests (a person reads; the saturation probes below measure capacity).
- ``Wallet``: one of the stack's voter wallets; asks the API for the EIP-712 typed data of a
  vote (``GET …/typed-data``, stamped with the server's time), signs exactly that with
  eth_account, posts it; later votes replace earlier ones. Every accepted receipt (201 new,
  200 the same vote again) is written to BENCH_RESULTS_FILE for the after-run checks, with
  the request and failure counts of the whole run (``--reset-stats`` drops the ramp-up
  from Locust's own statistics, never from these counts).
- ``Ceiling``, ``ListPage``, ``DetailPage``, ``ApiList``, ``ApiDetail``: one endpoint each,
  no think time, to measure throughput at saturation against the ``/livez`` ceiling.

Bounded: locust's ``--run-time`` bounds the time, BENCH_MAX_REQUESTS the request count.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
from pathlib import Path

from eth_account import Account
from locust import FastHttpUser, between, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.stack import STACK_FILE, voter_key  # noqa: E402

STACK = json.loads(Path(os.environ.get("BENCH_STACK_FILE", STACK_FILE)).read_text())
TARGET = STACK["proposal_id"]
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "0"))
RESULTS_FILE = os.environ.get("BENCH_RESULTS_FILE", "")
RECEIPTS: list[dict] = []
COUNTS = {"requests": 0, "failures": 0}
_wallets = itertools.count()


@events.request.add_listener
def _bound_request_count(exception=None, **_kwargs) -> None:
    COUNTS["requests"] += 1
    COUNTS["failures"] += exception is not None
    if MAX_REQUESTS and COUNTS["requests"] == MAX_REQUESTS:
        runner = _bound_request_count.environment.runner
        runner.greenlet.spawn_later(0, runner.quit)


@events.init.add_listener
def _remember_environment(environment, **_kwargs) -> None:
    _bound_request_count.environment = environment


@events.quitting.add_listener
def _write_results(**_kwargs) -> None:
    if RESULTS_FILE:
        Path(RESULTS_FILE).write_text(json.dumps({"receipts": RECEIPTS, **COUNTS}))


class _Stack(FastHttpUser):
    abstract = True
    host = STACK["url"].rstrip("/")

    def other_proposal(self) -> int:
        return random.randint(max(1, TARGET - STACK["published"] + 1), TARGET)


class Holder(_Stack):
    """Reads like a person does: mostly the proposal being voted on, sometimes another."""

    fixed_count = 200
    wait_time = between(2.0, 5.0)  # a brisk reader: ~57 requests/s from 200 of them

    @task(3)
    def list_page(self) -> None:
        self.client.get("/proposals/", name="page: proposal list")

    @task(4)
    def detail_page(self) -> None:
        pk = TARGET if random.random() < 0.7 else self.other_proposal()
        self.client.get(f"/proposals/{pk}/", name="page: proposal detail")

    @task(2)
    def api_list(self) -> None:
        self.client.get("/api/v1/proposals", name="api: proposal list")

    @task(2)
    def api_detail(self) -> None:
        self.client.get(f"/api/v1/proposals/{TARGET}", name="api: proposal detail")


class Wallet(_Stack):
    """A voter wallet: typed data from the API, signed locally, posted; replaces its vote."""

    fixed_count = 100
    wait_time = between(5.0, 10.0)  # ~13 votes/s from 100 wallets, each voting again and again

    def on_start(self) -> None:
        self.index = next(_wallets) % STACK["voters"]
        self.account = Account.from_key(voter_key(self.index))

    @task
    def vote(self) -> None:
        choice = random.choice((1, 2, 3))
        reason = random.choice(("", "", "Cheaper compute.", "Keep fees as they are."))
        with self.client.get(
            f"/api/v1/proposals/{TARGET}/typed-data",
            params={"voter": self.account.address, "choice": choice, "reason": reason},
            name="api: vote typed data",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"typed data: {answer.status_code} {answer.text[:200]}")
                return
            typed = answer.json()
        signed = Account.sign_typed_data(self.account.key, full_message=typed)
        body = {**typed["message"], "signature": "0x" + bytes(signed.signature).hex()}
        del body["proposal"]
        with self.client.post(
            f"/api/v1/proposals/{TARGET}/votes",
            json=body,
            name="api: cast vote",
            catch_response=True,
        ) as answer:
            if answer.status_code not in (200, 201):
                answer.failure(f"vote: {answer.status_code} {answer.text[:200]}")
                return
            receipt = answer.json()
            RECEIPTS.append(
                {
                    "digest": receipt["id"],
                    "voter": receipt["voter"],
                    "choice": receipt["choice"],
                    "timestamp": receipt["timestamp"],
                    "created": answer.status_code == 201,
                }
            )


class _Probe(_Stack):
    abstract = True
    wait_time = constant(0)


class Ceiling(_Probe):
    @task
    def livez(self) -> None:
        self.client.get("/livez", name="ceiling: /livez")


class ListPage(_Probe):
    @task
    def list_page(self) -> None:
        self.client.get("/proposals/", name="page: proposal list")


class DetailPage(_Probe):
    @task
    def detail_page(self) -> None:
        self.client.get(f"/proposals/{TARGET}/", name="page: proposal detail")


class ApiList(_Probe):
    @task
    def api_list(self) -> None:
        self.client.get("/api/v1/proposals", name="api: proposal list")


class ApiDetail(_Probe):
    @task
    def api_detail(self) -> None:
        self.client.get(f"/api/v1/proposals/{TARGET}", name="api: proposal detail")
