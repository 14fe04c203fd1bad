"""Demo data for `make run`, created through the same services a person's clicks call.

Uses Anvil's PUBLIC dev accounts (dev chains only): #0 steward and executor, #1–#3 hold the
veJCT locks the dev chain seeds and also run GPU nodes (their stake makes them eligible), #4
and #5 are recognised contributors, #7 a compute user. Safe to run
again: it does nothing when the demo proposals already exist.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from eth_utils import to_checksum_address

from jctgov.chain.devkeys import dev_address
from jctgov.wallets.models import User

logger = logging.getLogger(__name__)
WEI = 10**18

PROPOSALS: list[dict[str, Any]] = [
    {
        "kind": "parameters",
        "title": "Lower the stablecoin payment fee to 1.5%",
        "body": "Providers report that the 2% fee on USDC payments pushes buyers to pay in JCT "
        "instead. This lowers it to **150 bps** and keeps the JCT fee at 1%.",
        "payload": {"changes": [{"key": "market.stablecoin_fee_bps", "value": 150}]},
        "publish": True,
    },
    {
        "kind": "grant_budget",
        "title": "Open-source GPU scheduler research grants",
        "body": "Fund a program for research on fair, stake-aware scheduling of GPU jobs.",
        "payload": {
            "program_name": "Scheduler research",
            "description": "Grants for open-source work on GPU job scheduling.",
            "amount": str(250_000 * WEI),
        },
        "publish": True,
    },
    {
        "kind": "recognition",
        "title": "Recognise the first month's uptime leaders",
        "body": "A thank-you to the providers that kept the network up in its first month.",
        "payload": {
            "recipients": [
                {"recipient": dev_address(4), "amount": str(5_000 * WEI), "reason": "99.9% uptime"},
                {"recipient": dev_address(5), "amount": str(3_000 * WEI), "reason": "98.7% uptime"},
            ]
        },
        "publish": False,
    },
]

NODES = [
    (1, "h100-fra-1", "H100 80GB", 8, "eu-central", "2.45"),
    (2, "a100-iad-1", "A100 80GB", 4, "us-east", "1.65"),
    (3, "4090-sgp-1", "RTX 4090", 2, "ap-southeast", "0.42"),
]


def seed() -> str:
    from proposals.models import Proposal

    if Proposal.objects.filter(title=PROPOSALS[0]["title"]).exists():
        mark_demo_nodes()  # databases seeded before nodes could be marked
        return "already there"
    return f"{_seed_proposals()}; {_seed_market()}"


def mark_demo_nodes() -> int:
    """Flag the demo's own nodes (dev accounts #1–#3, by name) as simulated: `up` keeps them
    heartbeating. Nothing else is ever flagged."""
    from jctgov.market.models import Node

    marked = 0
    for index, name, *_ in NODES:
        marked += Node.objects.filter(
            provider__user__address=to_checksum_address(dev_address(index)), name=name
        ).update(simulated=True)
    return marked


def _seed_proposals() -> str:
    from proposals.services import proposal_create_draft, proposal_publish

    author = User.objects.get_or_create_for_address(dev_address(1))
    published = 0
    for spec in PROPOSALS:
        proposal = proposal_create_draft(
            author=author,
            kind=spec["kind"],
            title=spec["title"],
            body=spec["body"],
            payload=spec["payload"],
        )
        if spec["publish"]:
            proposal_publish(proposal_id=proposal.pk, actor=author)
            published += 1
    return f"{len(PROPOSALS)} proposals ({published} published)"


def _seed_market() -> str:
    from jctgov.market import services as market

    for index, name, model, count, region, ask in NODES:
        user = User.objects.get_or_create_for_address(dev_address(index))
        market.provider_refresh_stake(provider=market.provider_register(user=user))
        registration = market.node_register(
            user=user,
            name=name,
            gpu_model=model,
            gpu_count=count,
            region=region,
            ask_usd=Decimal(ask),
            available_hours=720,
        )
        market.heartbeat_record(token=registration.token)
    mark_demo_nodes()
    buyer = User.objects.get_or_create_for_address(dev_address(7))
    market.job_submit(
        user=buyer,
        gpu_model="A100 80GB",
        gpus=2,
        hours=12,
        max_price_usd=Decimal("2.00"),
        payment_token="stablecoin",
    )
    market.job_submit(
        user=buyer, gpus=1, vram_min=24, hours=4, max_price_usd=Decimal("0.60"), payment_token="jct"
    )
    return f"{len(NODES)} GPU nodes, 2 compute jobs"
