"""Your delegate voted: the delegators at the snapshot block who have not voted hear of it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jctgov.notify.models import Event
from proposals import services
from tests.proposals.conftest import stored_snapshot  # noqa: F401 - the fixture
from tests.proposals.factories import Voter, make_active, vote_body

pytestmark = pytest.mark.django_db


def test_a_delegates_vote_reaches_the_delegators_who_have_not_voted(stored_snapshot):  # noqa: F811
    delegate, quiet, active = Voter(), Voter(), Voter()
    proposal = make_active(snapshot_block=300)
    stored_snapshot(
        300,
        {delegate.address: 10, quiet.address: 5, active.address: 7},
        {quiet.address: delegate.address, active.address: delegate.address},
    )
    clock = int(timezone.now().timestamp()) - 600
    body = vote_body(proposal, active, choice=2, timestamp=clock)
    services.vote_cast(proposal_id=proposal.pk, **body)  # votes for themself first
    assert not Event.objects.filter(type="delegation.delegate_voted").exists()

    body = vote_body(proposal, delegate, choice=1, timestamp=clock + 1)
    vote, _ = services.vote_cast(proposal_id=proposal.pk, **body)
    event = Event.objects.get(type="delegation.delegate_voted")
    assert event.audience == [quiet.address]
    assert event.title.startswith("Your delegate voted For on #")
    services.vote_cast(proposal_id=proposal.pk, **body)  # the same signed vote again
    assert Event.objects.filter(type="delegation.delegate_voted").count() == 1
