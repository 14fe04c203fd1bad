"""Issue 15: the demo market stays alive while `make run` runs — simulated heartbeats (and
lease progress) for the demo nodes only, never for a real node."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jctgov.market import demo
from jctgov.market.models import Heartbeat, Lease
from jctgov.market.selectors import node_online
from jctgov.market.services import leases_fail_stale
from tests.market.factories import LeaseFactory, NodeFactory

pytestmark = pytest.mark.django_db


def test_demo_nodes_keep_heartbeating_and_real_nodes_never_are(settings):
    settings.MARKET_SIMULATE_DEMO_NODES = True
    t0 = timezone.now()
    demo_node = NodeFactory(simulated=True, last_heartbeat_at=t0)
    real = NodeFactory(last_heartbeat_at=t0)
    lease = LeaseFactory(node=demo_node, created_at=t0)
    for minute in range(1, 11):  # ten minutes of beat ticks
        demo.demo_nodes_tick(now=t0 + timedelta(minutes=minute))
    later = t0 + timedelta(minutes=10)
    assert Heartbeat.objects.filter(node=demo_node).count() == 10
    assert not Heartbeat.objects.filter(node=real).exists()
    interval = timedelta(seconds=60)
    assert node_online(
        demo_node.__class__.objects.get(pk=demo_node.pk), now=later, interval=interval
    )
    assert leases_fail_stale(now=later) == []  # the demo node's lease does not fail
    lease.refresh_from_db()
    assert lease.state in (Lease.State.RUNNING, Lease.State.COMPLETED)


def test_nothing_is_simulated_unless_up_turned_it_on(settings):
    settings.MARKET_SIMULATE_DEMO_NODES = False
    NodeFactory(simulated=True)
    assert demo.demo_nodes_tick() == 0
    assert not Heartbeat.objects.exists()


def test_a_demo_lease_completes_after_its_demo_hours(settings):
    settings.MARKET_SIMULATE_DEMO_NODES = True
    t0 = timezone.now()
    node = NodeFactory(simulated=True)
    lease = LeaseFactory(node=node, hours=2, job__hours=2, created_at=t0)
    demo.demo_nodes_tick(now=t0)
    lease.refresh_from_db()
    assert lease.state == "running"
    demo.demo_nodes_tick(now=t0 + timedelta(seconds=2 * demo.DEMO_SECONDS_PER_LEASE_HOUR))
    lease.refresh_from_db()
    assert lease.state == "completed"


def test_seed_marks_only_the_demo_nodes(monkeypatch):
    from jctgov.chain.devkeys import dev_address
    from jctgov.devstack import demo as core_demo
    from jctgov.market.services import node_register
    from jctgov.wallets.models import User
    from tests.factories import UserFactory

    owner = User.objects.get_or_create_for_address(dev_address(1))
    node_register(
        user=owner,
        name="h100-fra-1",
        gpu_model="H100 80GB",
        gpu_count=8,
        region="eu",
        ask_usd=2,
        available_hours=720,
    )
    node_register(
        user=owner,
        name="my-own-rig",
        gpu_model="L4",
        gpu_count=1,
        region="eu",
        ask_usd=1,
        available_hours=720,
    )
    node_register(
        user=UserFactory(),
        name="h100-fra-1",
        gpu_model="H100 80GB",
        gpu_count=8,
        region="eu",
        ask_usd=2,
        available_hours=720,
    )
    assert core_demo.mark_demo_nodes() == 1
    from jctgov.market.models import Node

    assert list(Node.objects.filter(simulated=True).values_list("name", "provider__user")) == [
        ("h100-fra-1", owner.pk)
    ]
