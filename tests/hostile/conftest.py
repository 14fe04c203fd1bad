"""Fixtures of the hostile-input tests.

``hostile_world``: a steward, an applicant and a reviewer have written hostile text (script
tags, event handlers, javascript: links, RTL overrides, emoji) into every text field the API
takes, through the API itself. ``world.ids`` names the objects; ``world.clients`` signs in as
each of them ("anyone" is signed out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from grants.models import Recognition
from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
from jctgov.market.models import Job
from jctgov.wallets.services import steward_grant
from tests.factories import UserFactory
from tests.grants.factories import WEI, executed_proposal, make_program
from tests.hostile.html import HOSTILE, HOSTILE_SHORT
from tests.market.factories import JobFactory, LeaseFactory
from tests.proposals.factories import Voter, make_active, vote_body


@dataclass
class World:
    clients: dict[str, Client] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)

    def call(self, who: str, method: str, path: str, body: Any = None, status: int = 200) -> dict:
        response = getattr(self.clients[who], method)(
            path, json.dumps(body), content_type="application/json"
        )
        assert response.status_code == status, (path, response.content)
        return response.json()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _proposals(world: World) -> None:
    draft = world.call(
        "steward",
        "post",
        "/api/v1/proposals",
        {
            "kind": "grant_budget",
            "title": HOSTILE,
            "body": HOSTILE + "\n\n<a href='javascript:alert(3)'>raw</a> <svg onload=alert(4)>",
            "discussion_url": "https://forum.example.org/t/1?a=1&b=2",
            "payload": {"program_name": HOSTILE, "description": HOSTILE, "amount": str(WEI)},
        },
        status=201,
    )
    recognition = world.call(
        "steward",
        "post",
        "/api/v1/proposals",
        {
            "kind": "recognition",
            "title": "Thanks",
            "payload": [{"recipient": world.ids["applicant"], "amount": "5", "reason": HOSTILE}],
        },
        status=201,
    )
    world.call(
        "steward", "post", f"/api/v1/proposals/{recognition['id']}/cancel", {"reason": HOSTILE}
    )
    voter = Voter()
    active = make_active(title=HOSTILE, body=HOSTILE, snapshot_block=100)
    snapshot = PowerSnapshot.objects.create(
        block_number=100, block_hash="0x" + "ab" * 32, total_supply=WEI, holders=1
    )
    PowerSnapshotEntry.objects.create(snapshot=snapshot, address=voter.address, power=WEI)
    body = vote_body(active, voter, reason=HOSTILE)
    world.call("anyone", "post", f"/api/v1/proposals/{active.pk}/votes", body, status=201)
    world.ids.update(draft=draft["id"], cancelled=recognition["id"], active=active.pk)


def _grants(world: World, steward, reviewer) -> None:
    program = make_program(name=HOSTILE, reviewers=[steward, reviewer])
    world.call(
        "steward",
        "patch",
        f"/api/v1/grants/programs/{program.pk}",
        {"description": HOSTILE, "rubric": [{"criterion": HOSTILE_SHORT, "weight": 1}]},
    )
    texts = {"title": HOSTILE, "description": HOSTILE, "team": HOSTILE}
    milestone = {"title": HOSTILE, "deliverable": HOSTILE, "amount": str(10 * WEI)}
    application = world.call(
        "applicant",
        "post",
        f"/api/v1/grants/programs/{program.pk}/applications",
        {
            **texts,
            "requested_amount": str(10 * WEI),
            "payout_address": world.ids["applicant"],
            "milestones": [milestone],
        },
        status=201,
    )
    app = f"/api/v1/grants/applications/{application['id']}"
    world.call("applicant", "post", f"{app}/submit")
    for who in ("steward", "reviewer"):
        review = {"scores": {HOSTILE_SHORT: 4}, "comment": HOSTILE}
        world.call(who, "post", f"{app}/reviews", review, status=201)
    world.call("steward", "post", f"{app}/decide", {"approve": True, "reason": HOSTILE})
    milestone_id = application["milestones"][0]["id"]
    report = {"text": HOSTILE, "evidence_url": "https://example.org/evidence?x=1&y=2"}
    world.call("applicant", "post", f"/api/v1/grants/milestones/{milestone_id}/report", report)
    Recognition.objects.create(
        proposal=executed_proposal(), recipient=world.ids["applicant"], amount=5, reason=HOSTILE
    )
    world.ids.update(program=program.pk, application=application["id"], milestone=milestone_id)


def _market(world: World, steward) -> None:
    node = world.call(
        "steward",
        "post",
        "/api/v1/market/nodes/register",
        {
            "name": HOSTILE_SHORT,
            "gpu_model": "A100 80GB",
            "gpu_count": 8,
            "region": HOSTILE_SHORT,
            "ask_usd": "1.5000",
            "available_hours": 100,
        },
        status=201,
    )
    lease = LeaseFactory(
        node_id=node["id"], job=JobFactory(submitter=steward, state=Job.State.MATCHED)
    )
    world.call("steward", "post", f"/api/v1/market/leases/{lease.pk}/fail", {"reason": HOSTILE})
    world.ids.update(node=node["id"], lease=lease.pk)


@pytest.fixture
def hostile_world(db) -> World:
    steward = steward_grant(address=Voter().address)
    applicant, reviewer = UserFactory(), UserFactory()
    world = World(
        clients={
            "steward": _client(steward),
            "applicant": _client(applicant),
            "reviewer": _client(reviewer),
            "anyone": Client(),
        },
        ids={"applicant": applicant.address},
    )
    _proposals(world)
    _grants(world, steward, reviewer)
    _market(world, steward)
    return world
