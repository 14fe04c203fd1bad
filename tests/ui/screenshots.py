"""The README's screenshots: ``docs/screenshots/{proposals-list,proposal-detail,steward-console}``
``.png`` at 1280 px, plus ``-390`` phone variants, in Chromium on a live server.

    .venv/bin/python tests/ui/screenshots.py [--out docs/screenshots] [--scheme light|dark]

It runs like the browser tests (pytest-django's live server on the test database, Debian
Chromium; set DATABASE_URL etc. as for the tests) over a small world made through the test
factories: proposals in every state with votes, passed proposals waiting for the stewards,
grant decisions and Safe transactions partly signed. Not part of the suite (its name does not
start with ``test_``); the numbers on the pictures are the world's, not a real network's.
"""

from __future__ import annotations

import argparse
import itertools
import os
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

OUT_ENV = "JCTGOV_README_SCREENSHOTS"
SCHEME_ENV = "JCTGOV_README_SCHEME"
WEI = 10**18
VOTERS = [
    (
        "0x8F3c1A6e0b2D4c5E9f7A1b3C5d7E9f1A3b5C7d9E",
        1,
        41_250,
        "Cheaper USDC payments bring buyers.",
    ),
    ("0x2B7d9F1a3C5e7A9b1D3f5B7d9E1a3C5e7B9d1F3a", 1, 18_900, ""),
    (
        "0x5C1e3A5c7E9a1C3e5A7c9E1b3D5f7A9c1E3b5D7f",
        2,
        12_400,
        "Fees fund the treasury; wait a quarter.",
    ),
    ("0x9A4f6B8d0F2b4D6f8B0d2F4a6C8e0A2c4E6a8C0e", 3, 3_150, ""),
    ("0x3D6b8F0d2B4f6D8b0F2d4B6f8D0b2F4d6B8f0D2b", 1, 7_700, "Matches what io.net charges."),
]
_ids = itertools.count(1)


def _vote(proposal, voter: str, choice: int, power: int, reason: str = "") -> None:
    from proposals.models import Vote

    n = next(_ids)
    Vote.objects.create(
        digest=f"0x{proposal.pk:032x}{n:032x}",
        proposal=proposal,
        voter=voter,
        choice=choice,
        reason=reason,
        timestamp=int(time.time()) - 3_000 + 137 * n,  # signed during the last hour
        signature="0x" + "11" * 65,
        power=power,
    )


def _safe_operation(
    *, kind: str, subject_type: str, subject_id: int, description: str, signed: int
):
    """A Safe transaction taking signatures (2 of 3 stewards), ``signed`` of them in."""
    from django.conf import settings

    from jctgov.chain.models import ChainOperation, OperationSignature

    owners = [
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    ]
    op = ChainOperation.objects.create(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        description=description,
        to="0x5FbDB2315678afecb367f032d93F642f64180aa3",
        data="0x" + secrets.token_hex(68),
        safe="0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
        safe_nonce=next(_ids),
        safe_tx_hash="0x" + secrets.token_hex(32),
        chain_id=settings.CHAIN_ID,
        threshold=2,
        owners=owners,
        state="collecting",
    )
    for owner in owners[:signed]:
        OperationSignature.objects.create(operation=op, signer=owner, signature="0x" + "22" * 65)
    return op


def build_showcase() -> dict:
    """Proposals in every state, an active one with votes and reasons, two passed ones for the
    stewards, grant applications to decide, a reported milestone and payouts partly signed."""
    from django.utils import timezone

    from grants import services as grants
    from jctgov.wallets.services import steward_grant
    from proposals.models import ProposalKind, ProposalState
    from tests.factories import UserFactory
    from tests.grants.factories import approved_application, make_program, reviewed_application
    from tests.proposals.factories import make_active, make_draft, make_succeeded

    steward = steward_grant(address="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
    supply = 1_250_000 * WEI
    active = make_active(
        title="Lower the stablecoin payment fee to 1.5%",
        body="Providers report that the 2% fee on USDC payments pushes buyers to pay in JCT "
        "instead. This lowers it to **150 bps** and keeps the JCT fee at 1%.",
        payload={"changes": [{"key": "market.stablecoin_fee_bps", "value": "150"}]},
        total_supply=supply,
        quorum_bps=400,
        ends_in=timedelta(days=2, hours=5),
    )
    for voter, choice, power, reason in VOTERS:
        _vote(active, voter, choice, power * WEI, reason)
    second = make_active(
        title="Weight uptime more than price in matching",
        payload={"changes": [{"key": "market.weight_uptime", "value": "3500"}]},
        total_supply=supply,
        ends_in=timedelta(hours=20),
        snapshot_block=120,
    )
    _vote(second, VOTERS[0][0], 2, 9_000 * WEI)
    _vote(second, VOTERS[3][0], 1, 4_000 * WEI)
    make_active(
        title="Open-source GPU scheduler research grants",
        kind=ProposalKind.GRANT_BUDGET,
        payload={
            "program_name": "Scheduler research",
            "description": "Grants for open-source work on GPU job scheduling.",
            "amount": str(250_000 * WEI),
        },
        state=ProposalState.PENDING,
        snapshot_block=130,
    )
    passed = make_succeeded(
        title="Raise the minimum provider stake to 1,500 veJCT", snapshot_block=90
    )
    queued = make_succeeded(title="Shorten the heartbeat interval to 60 s", snapshot_block=80)
    queued.state, queued.approved_by, queued.approved_at = (
        ProposalState.QUEUED,
        steward,
        timezone.now(),
    )
    queued.queued_at = timezone.now() - timedelta(seconds=40)
    queued.ready_at = timezone.now() + timedelta(days=1, hours=23)
    queued.schedule_tx, queued.schedule_block = "0x" + secrets.token_hex(32), 4_812
    queued.operation_id = "0x" + secrets.token_hex(32)
    queued.save()
    executed = make_succeeded(title="Set the reservation fee to 0.25%", snapshot_block=70)
    executed.state, executed.executed_at = (
        ProposalState.EXECUTED,
        timezone.now() - timedelta(days=3),
    )
    executed.execute_tx, executed.execute_block = "0x" + secrets.token_hex(32), 4_500
    executed.approved_at, executed.operation_id = executed.executed_at, "0x" + secrets.token_hex(32)
    executed.save()
    defeated = make_succeeded(title="Pay providers in JCT only", snapshot_block=60)
    defeated.state = ProposalState.DEFEATED
    defeated.for_power, defeated.against_power = 80_000 * WEI, 210_000 * WEI
    defeated.save()
    make_draft(title="Reward the documentation translators")
    _safe_operation(
        kind="schedule",
        subject_type="proposals.proposal",
        subject_id=passed.pk,
        description="TimelockController.scheduleBatch (delay 172800 s, salt = uid): "
        "ParameterStore.setParameter(market.min_provider_vejct, 1500 veJCT)",
        signed=1,
    )

    reviewers = [UserFactory(), UserFactory()]
    program = make_program(name="GPU tooling", budget=100_000 * WEI, reviewers=reviewers)
    titles = ["Fair-share GPU scheduler", "CUDA profiler", "Node telemetry exporter"]
    made = [
        reviewed_application(program, reviewers, amount=12_000 * WEI),
        reviewed_application(program, reviewers, amount=4_500 * WEI),
        approved := approved_application(program, steward, reviewers, amount=20_000 * WEI),
    ]
    for application, title in zip(made, titles, strict=True):
        type(application).objects.filter(pk=application.pk).update(title=title)
    first, second_milestone = approved.milestones.order_by("position")
    grants.milestone_report(
        milestone_id=first.pk,
        actor=approved.applicant,
        text="Profiler 0.1 released with CUDA 12 support.",
        evidence_url="https://example.org/release-0.1",
    )
    _safe_operation(
        kind="payout",
        subject_type="grants.milestone",
        subject_id=second_milestone.pk,
        description=f"GrantEscrow.payoutOnce: 10,000 JCT of program {program.escrow_program_id} "
        f"to {approved.payout_address} (milestone 2 of application {approved.pk})",
        signed=1,
    )
    return {"steward": steward, "active": active}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_readme_screenshots(browser, live_server, settings):
    from tests.ui.conftest import session_context

    settings.JCTGOV_EXECUTOR_KEY = "0x" + "0" * 63 + "1"  # a relayer "is configured": no warning
    out = Path(os.environ.get(OUT_ENV) or "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    scheme = os.environ.get(SCHEME_ENV, "light")
    world = build_showcase()
    shots = [
        ("proposals-list", "/proposals/", None),
        ("proposal-detail", f"/proposals/{world['active'].pk}/", None),
        ("steward-console", "/steward/", world["steward"]),
    ]
    for name, path, user in shots:
        context = session_context(browser, live_server.url, user)
        page = context.new_page()
        page.emulate_media(color_scheme=scheme)
        for width, suffix in ((1280, ""), (390, "-390")):
            page.set_viewport_size({"width": width, "height": 900})
            assert page.goto(path).status == 200, path
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / f"{name}{suffix}.png"), full_page=True)
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/screenshots", help="folder for the PNG files")
    parser.add_argument("--scheme", choices=("light", "dark"), default="light")
    args = parser.parse_args()
    os.environ[OUT_ENV] = str(Path(args.out).resolve())
    os.environ[SCHEME_ENV] = args.scheme
    root = Path(__file__).resolve().parents[2]
    os.chdir(root)
    sys.path.insert(0, str(root))
    return pytest.main([str(Path(__file__)), "-q", "-p", "no:cacheprovider"])


if __name__ == "__main__":
    sys.exit(main())
