"""Provider stake read from the real VotingEscrow on Anvil; eligibility follows it."""

import pytest

from jctgov.market import selectors, services
from tests.factories import UserFactory
from tests.fixtures.chain import WEI
from tests.market.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def test_refresh_stake_reads_vejct_from_the_chain_and_lifts_the_stake_reason(chain):
    account = chain.account(3)
    provider = ProviderFactory(user=UserFactory(address=account.address), vejct=0)
    assert "veJCT below market.min_provider_vejct" in selectors.eligibility(provider).reasons
    chain.lock(account, 50_000 * WEI, weeks=208)  # ~4 years: power ≈ the amount
    services.provider_refresh_stake(provider=provider)
    provider.refresh_from_db()
    assert 45_000 * WEI < provider.vejct <= 50_000 * WEI
    assert provider.vejct_refreshed_at is not None
    assert "veJCT below market.min_provider_vejct" not in selectors.eligibility(provider).reasons


def test_beat_refresh_updates_every_provider_at_one_block(chain):
    locked = ProviderFactory(user=UserFactory(address=chain.account(4).address), vejct=0)
    unlocked = ProviderFactory(user=UserFactory(address=chain.account(5).address), vejct=123)
    chain.lock(4, 2_000 * WEI, weeks=52)
    assert services.stakes_refresh() == 2
    locked.refresh_from_db()
    unlocked.refresh_from_db()
    assert locked.vejct > 0 and unlocked.vejct == 0


def test_refresh_stake_api_answers_503_when_the_chain_is_down(client, settings, deployed):
    from jctgov.chain import client as chain_client

    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    chain_client.reset_web3()
    try:
        provider = ProviderFactory(vejct=7)
        client.force_login(provider.user)
        response = client.post("/api/v1/market/providers/me/refresh-stake")
    finally:
        chain_client.reset_web3()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "chain_unavailable"
    provider.refresh_from_db()
    assert provider.vejct == 7
