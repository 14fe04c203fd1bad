"""Factories for market models. Nodes get a known token: ``factory.token`` is the plaintext."""

from datetime import UTC, datetime
from decimal import Decimal

import factory

from jctgov.market.models import Heartbeat, Job, Lease, Node, PaymentToken, Provider
from jctgov.market.services import token_hash
from tests.factories import UserFactory

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
WEI = 10**18


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    user = factory.SubFactory(UserFactory)
    vejct = 10_000 * WEI
    created_at = T0


class NodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Node

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"node-{n}")
    gpu_model = "A100 80GB"
    gpu_count = 8
    vram_gb = 80
    region = "eu-west"
    ask_usd = Decimal("1.50")
    available_hours = 720
    token_hash = factory.Sequence(lambda n: token_hash(f"token-{n}"))
    registered_at = T0
    last_heartbeat_at = None


class HeartbeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Heartbeat

    node = factory.SubFactory(NodeFactory)
    received_at = T0


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    submitter = factory.SubFactory(UserFactory)
    gpu_model = "A100 80GB"
    gpus = 2
    vram_min = 40
    hours = 10
    max_price_usd = Decimal("2.00")
    payment_token = PaymentToken.STABLECOIN
    submitted_at = T0


class LeaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lease

    job = factory.SubFactory(JobFactory, state=Job.State.MATCHED)
    node = factory.SubFactory(NodeFactory)
    gpus = factory.LazyAttribute(lambda o: o.job.gpus)
    hours = factory.LazyAttribute(lambda o: o.job.hours)
    price_usd = factory.LazyAttribute(lambda o: o.node.ask_usd)
    payment_token = PaymentToken.STABLECOIN
    currency = "USD"
    subtotal = Decimal("30")
    fee_bps = 200
    fee = Decimal("0.6")
    reservation_fee_bps = 25
    reservation_fee = Decimal("0.075")
    total = Decimal("30.675")
    total_usd = Decimal("30.675")
    created_at = T0


def heartbeats_every(node, *, start, end, interval_s):
    """Bulk-create heartbeats from ``start`` up to ``end`` every ``interval_s`` seconds."""
    from datetime import timedelta

    rows, t = [], start
    while t <= end:
        rows.append(Heartbeat(node=node, received_at=t))
        t += timedelta(seconds=interval_s)
    Heartbeat.objects.bulk_create(rows)
    node.last_heartbeat_at = rows[-1].received_at if rows else node.last_heartbeat_at
    node.save(update_fields=["last_heartbeat_at"])
    return len(rows)
