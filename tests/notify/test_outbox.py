"""The outbox: events commit with the change that causes them; fan-out makes one delivery per
(event, channel), however often it runs; each event reaches the wallets it concerns."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from grants import services as grants
from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
from jctgov.market.notices import nodes_offline
from jctgov.notify import services
from jctgov.notify.delivery import event_fan_out
from jctgov.notify.models import Channel, Delivery, Event
from proposals.models import Vote
from proposals.notices import proposals_closing_soon
from tests.factories import UserFactory
from tests.grants.factories import (
    approved_application,
    draft_application,
    make_program,
    reviewed_application,
)
from tests.market.factories import NodeFactory
from tests.proposals.factories import WEI, make_active

pytestmark = pytest.mark.django_db


def test_a_rolled_back_change_leaves_no_event_and_a_committed_one_leaves_one():
    reviewer = UserFactory()
    program = make_program(reviewers=[reviewer])
    application = draft_application(program)
    with pytest.raises(RuntimeError), transaction.atomic():
        grants.application_submit(application_id=application.pk, actor=application.applicant)
        raise RuntimeError("the change is rolled back")
    assert not Event.objects.exists()

    grants.application_submit(application_id=application.pk, actor=application.applicant)
    event = Event.objects.get()
    assert event.type == "grants.application_submitted"
    assert event.audience == [reviewer.address]  # the program's reviewers, not the applicant
    assert event.url == f"/grants/applications/{application.pk}/"
    assert "100 JCT" in event.text


def test_fan_out_run_again_after_a_crash_adds_only_missing_deliveries():
    users = [UserFactory() for _ in range(5)]
    for user in users:
        services.inbox_ensure(user=user)
    with transaction.atomic():
        event = services.emit("proposal.published", subject=make_active())
    assert event_fan_out(event_id=event.pk) == 5
    # A worker killed before it marked the event done: the sweep fans it out again.
    Event.objects.filter(pk=event.pk).update(fanned_out_at=None)
    Delivery.objects.filter(pk=Delivery.objects.order_by("id").last().pk).delete()
    assert event_fan_out(event_id=event.pk) == 1
    assert Delivery.objects.filter(event=event).count() == 5
    assert set(Delivery.objects.values_list("user_id", flat=True)) == {u.pk for u in users}


def test_an_unverified_email_gets_nothing_and_a_paused_channel_nothing():
    user = UserFactory()
    services.email_set(user=user, address="holder@example.org", events_=["proposal.published"])
    inbox = services.inbox_ensure(user=user)
    services.channel_update(user=user, channel_id=inbox.pk, active=False)
    with transaction.atomic():
        event = services.emit("proposal.published", subject=make_active())
    assert event_fan_out(event_id=event.pk) == 0
    Channel.objects.filter(kind="email").update(verified_at=timezone.now())
    Event.objects.filter(pk=event.pk).update(fanned_out_at=None)
    assert event_fan_out(event_id=event.pk) == 1


def test_decision_reaches_the_applicants_inbox_without_any_setup(client, steward):
    reviewers = [UserFactory(), UserFactory()]
    program = make_program(reviewers=reviewers)
    with_unrelated = UserFactory()
    services.inbox_ensure(user=with_unrelated)
    application = reviewed_application(program, reviewers)
    grants.application_decide(
        application_id=application.pk, actor=steward, approve=False, reason="Out of scope"
    )
    event = Event.objects.get(type="grants.application_decided")
    event_fan_out(event_id=event.pk)
    item = Delivery.objects.get(event=event)
    assert item.user == application.applicant and item.kind == "inbox"
    client.force_login(application.applicant)
    page = client.get("/notifications/inbox/").content.decode()
    assert "Rejected: Out of scope" in page
    assert re.search(r'id="inbox-count"[^>]*>1<', page)  # the header's unread count
    client.post("/notifications/inbox/read")
    assert 'id="inbox-count"' not in client.get("/notifications/inbox/").content.decode()


def test_milestone_events_reach_stewards_then_the_applicant(steward):
    reviewers = [UserFactory(), UserFactory()]
    program = make_program(reviewers=reviewers)
    application = approved_application(program, steward, reviewers)
    milestone = application.milestones.order_by("position").first()
    grants.milestone_report(
        milestone_id=milestone.pk, actor=application.applicant, evidence_url="", text="Done"
    )
    assert Event.objects.get(type="grants.milestone_reported").audience == [steward.address]
    grants.milestone_accept(milestone_id=milestone.pk, actor=steward)
    accepted = Event.objects.get(type="grants.milestone_accepted")
    assert accepted.audience == [application.applicant.address]
    assert "50 JCT" in accepted.text


def test_closing_soon_reaches_holders_with_power_who_have_not_voted_once():
    holders = [UserFactory() for _ in range(3)]
    proposal = make_active(ends_in=timedelta(hours=20), snapshot_block=77)
    snapshot = PowerSnapshot.objects.create(
        block_number=77, block_hash="0x" + "ab" * 32, total_supply=30 * WEI, holders=4
    )
    for holder in holders:
        PowerSnapshotEntry.objects.create(snapshot=snapshot, address=holder.address, power=10 * WEI)
    UserFactory()  # no power at the snapshot block
    Vote.objects.create(
        digest="0x" + secrets.token_hex(32),
        proposal=proposal,
        voter=holders[0].address,
        choice=1,
        timestamp=0,
        signature="0x" + "00" * 65,
        power=10 * WEI,
    )
    far = make_active(ends_in=timedelta(hours=30), snapshot_block=77)
    assert proposals_closing_soon() == 1
    assert proposals_closing_soon() == 0  # the beat again: nothing new
    event = Event.objects.get(type="proposal.closing_soon")
    assert event.subject == f"proposal:{proposal.pk}" != f"proposal:{far.pk}"
    assert sorted(event.audience) == sorted(h.address for h in holders[1:])


def test_node_offline_is_told_once_per_outage():
    now = timezone.now()
    node = NodeFactory(last_heartbeat_at=now - timedelta(hours=1))
    NodeFactory(last_heartbeat_at=now)  # online
    assert nodes_offline(now=now) == 1
    assert nodes_offline(now=now + timedelta(seconds=1)) == 0  # the beat again: told already
    event = Event.objects.get(type="market.node_offline")
    assert event.audience == [node.provider.user.address]
    node.last_heartbeat_at = now + timedelta(minutes=10)  # back, then gone again
    node.save()
    assert nodes_offline(now=now + timedelta(hours=2)) == 2  # this outage, and the other node's
    assert Event.objects.filter(subject=f"node:{node.pk}").count() == 2


def test_review_requested_reaches_newly_assigned_reviewers(steward):
    program = make_program()
    reviewer = UserFactory()
    grants.program_update(program_id=program.pk, actor=steward, reviewers=[reviewer.address])
    assert Event.objects.get(type="grants.review_requested").audience == [reviewer.address]


def test_delegate_voted_tells_the_delegators_what_their_delegate_chose():
    proposal = make_active(title="Fees")
    delegate, delegator = UserFactory(), UserFactory()
    vote = Vote.objects.create(
        digest="0x" + secrets.token_hex(32),
        proposal=proposal,
        voter=delegate.address,
        choice=2,
        timestamp=0,
        signature="0x" + "00" * 65,
        power=1,
    )
    with transaction.atomic():
        event = services.emit("delegation.delegate_voted", subject=vote, audience=[delegator])
    assert event.title == f"Your delegate voted Against on #{proposal.pk} Fees"
    assert event.url == f"/proposals/{proposal.pk}/" and delegate.address in event.text
    event_fan_out(event_id=event.pk)
    assert Delivery.objects.get(event=event).user == delegator
