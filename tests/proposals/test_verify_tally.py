"""verify_tally recomputes from chain reads and signatures; any tampering makes it fail."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from proposals import services
from proposals.models import Vote
from tests.proposals.factories import make_active, vote_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(fake_chain, voters):
    proposal = make_active(snapshot_block=100, total_supply=1000)
    fake_chain.snapshot(
        100, {voters[0].address: 600, voters[1].address: 300, voters[2].address: 100}
    )
    ts = int(proposal.starts_at.timestamp())
    services.vote_cast(
        proposal_id=proposal.pk, **vote_body(proposal, voters[0], choice=2, timestamp=ts + 1)
    )
    services.vote_cast(
        proposal_id=proposal.pk, **vote_body(proposal, voters[0], choice=1, timestamp=ts + 2)
    )
    services.vote_cast(
        proposal_id=proposal.pk, **vote_body(proposal, voters[1], choice=2, timestamp=ts + 3)
    )
    services.vote_cast(
        proposal_id=proposal.pk, **vote_body(proposal, voters[2], choice=3, timestamp=ts + 4)
    )
    return services.proposal_close(
        proposal_id=proposal.pk, now=proposal.ends_at + timedelta(seconds=1)
    )


def test_verify_tally_confirms_an_honest_result(closed, capsys):
    call_command("verify_tally", closed.uid)
    out = capsys.readouterr().out
    assert "for      600" in out and "against  300" in out and "abstain  100" in out
    assert "outcome  succeeded" in out and "verified" in out


def test_verify_tally_fails_when_stored_power_was_inflated(closed, voters, capsys):
    Vote.objects.filter(voter=voters[1].address).update(power=5000)
    with pytest.raises(CommandError):
        call_command("verify_tally", str(closed.pk))
    assert "MISMATCH" in capsys.readouterr().err


def test_verify_tally_fails_when_a_receipt_was_edited(closed, capsys):
    Vote.objects.filter(choice=3).update(choice=2)
    with pytest.raises(CommandError):
        call_command("verify_tally", str(closed.pk))
    assert "signature_mismatch" in capsys.readouterr().err


def test_verify_tally_fails_when_the_outcome_was_rewritten(closed):
    closed.state = "defeated"
    closed.save(update_fields=["state"])
    with pytest.raises(CommandError):
        call_command("verify_tally", str(closed.pk))
