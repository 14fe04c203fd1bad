"""Fixtures of the market tests."""

from decimal import Decimal

import pytest
from django.utils import timezone

from jctgov.market.matching import match_round
from tests.market.factories import WEI, JobFactory, ProviderFactory
from tests.market.test_matching import _online_node


@pytest.fixture
def recorded_round(db):
    """One real round: 2 stablecoin jobs of 10 GPU-hours at $1 on one provider with 5,000 veJCT."""
    _online_node(provider=ProviderFactory(vejct=5_000 * WEI), gpu_count=8, ask_usd=Decimal("1.00"))
    for _ in range(2):
        JobFactory(gpus=1, hours=10, max_price_usd=Decimal("2"), submitted_at=timezone.now())
    return match_round()
