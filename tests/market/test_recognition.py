"""draft_recognition: amounts split by uptime-weighted GPU-hours, with reasons per provider."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jctgov.market.models import Lease
from jctgov.market.recognition import WEI, recognition_shares
from tests.market.factories import T0, LeaseFactory, NodeFactory, heartbeats_every

pytestmark = pytest.mark.django_db
NOW = T0 + timedelta(days=30)


def _served(node, *, gpus, hours, ended_at=NOW - timedelta(days=1)):
    return LeaseFactory(
        node=node,
        gpus=gpus,
        hours=hours,
        job__gpus=gpus,
        job__hours=hours,
        state=Lease.State.COMPLETED,
        ended_at=ended_at,
    )


def _two_providers():
    steady = NodeFactory(registered_at=T0)
    flaky = NodeFactory(registered_at=T0)
    # Heartbeats every 60 s (the default interval): steady all 30 days, flaky only the first 15.
    heartbeats_every(steady, start=T0, end=NOW - timedelta(minutes=1), interval_s=60)
    heartbeats_every(
        flaky, start=T0, end=T0 + timedelta(days=15) - timedelta(minutes=1), interval_s=60
    )
    return steady, flaky


def test_shares_follow_uptime_weighted_gpu_hours_and_sum_to_the_amount():
    steady, flaky = _two_providers()
    _served(steady, gpus=2, hours=50)  # 100 GPU-hours at 100% uptime
    _served(flaky, gpus=4, hours=50)  # 200 GPU-hours at 50% uptime
    third = _served(NodeFactory(registered_at=T0), gpus=1, hours=1)  # never sent a heartbeat
    shares = recognition_shares(amount_wei=100_000 * WEI + 1, epoch_days=30, now=NOW)
    by_address = {s.address: s for s in shares}
    assert third.node.provider.user.address not in by_address
    assert sum(s.amount_wei for s in shares) == 100_000 * WEI + 1  # not a wei lost to rounding
    steady_share = by_address[steady.provider.user.address]
    flaky_share = by_address[flaky.provider.user.address]
    assert {steady_share.amount_wei, flaky_share.amount_wei} == {50_000 * WEI, 50_000 * WEI + 1}
    assert "Served 100 GPU-hours" in steady_share.reason
    assert "Served 200 GPU-hours" in flaky_share.reason


def test_leases_outside_the_epoch_or_not_completed_do_not_count():
    node = NodeFactory(registered_at=T0)
    heartbeats_every(node, start=T0, end=NOW, interval_s=60)
    _served(node, gpus=1, hours=1, ended_at=NOW - timedelta(days=31))
    LeaseFactory(node=node, state=Lease.State.FAILED, failure_reason="x", ended_at=NOW)
    disputed = _served(node, gpus=1, hours=1)  # its job owner says it was not served
    Lease.objects.filter(pk=disputed.pk).update(disputed_at=NOW, dispute_reason="no output")
    with pytest.raises(Exception, match="Nothing to split"):
        recognition_shares(amount_wei=WEI, epoch_days=30, now=NOW)


def test_draft_recognition_command_creates_a_draft_proposal(steward, time_machine):
    from proposals.models import Proposal

    time_machine.move_to(NOW, tick=False)
    node = NodeFactory(registered_at=T0)
    heartbeats_every(node, start=T0, end=NOW, interval_s=60)
    _served(node, gpus=8, hours=10)
    out = StringIO()
    call_command("draft_recognition", "--epoch-days", "30", "--amount", "100000", stdout=out)
    proposal = Proposal.objects.get()
    assert proposal.kind == "recognition" and proposal.state == "draft"
    assert proposal.author == steward
    recipients = proposal.payload["recipients"]
    assert recipients == [
        {
            "recipient": node.provider.user.address,
            "amount": str(100_000 * WEI),
            "reason": recipients[0]["reason"],
        }
    ]
    assert "Served 80 GPU-hours" in recipients[0]["reason"]
    assert f"#{proposal.pk}" in out.getvalue()


def test_draft_recognition_refuses_clearly_when_nothing_was_served(steward):
    with pytest.raises(CommandError, match="nothing_to_split"):
        call_command("draft_recognition", "--amount", "100000")
