"""Redis dies and comes back while signed votes arrive: no accepted vote is lost or doubled.

Votes are written to the database synchronously; Redis only holds disposable things (rate-limit
counters, page caches). A private redis-server is killed (SIGKILL) and restarted between
batches of votes posted to the API; every vote is answered 201 throughout, pages keep
answering, and the database holds each vote exactly once with the tally equal to a recount.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
from proposals.models import Vote
from proposals.selectors import proposal_tally
from tests.fixtures.redis import PrivateRedis, need_redis_server, use_redis_cache
from tests.proposals.factories import WEI, Voter, make_active, vote_body

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def private_redis(settings) -> Iterator[PrivateRedis]:
    need_redis_server()
    server = PrivateRedis().start()
    use_redis_cache(settings, server.url)
    yield server
    server.kill()


def test_votes_are_all_kept_while_redis_is_killed_and_restarted(client, private_redis):
    voters = [Voter() for _ in range(30)]
    proposal = make_active(snapshot_block=100, total_supply=30 * 10 * WEI)
    snapshot = PowerSnapshot.objects.create(
        block_number=100, block_hash="0x" + "11" * 32, total_supply=300 * WEI, holders=30
    )
    PowerSnapshotEntry.objects.bulk_create(
        PowerSnapshotEntry(snapshot=snapshot, address=v.address, power=10 * WEI) for v in voters
    )

    def cast(batch: list[Voter], choice: int) -> None:
        for voter in batch:
            response = client.post(
                f"/api/v1/proposals/{proposal.pk}/votes",
                vote_body(proposal, voter, choice=choice),
                content_type="application/json",
            )
            assert response.status_code == 201, response.content

    cast(voters[:10], 1)  # Redis up
    private_redis.kill()
    cast(voters[10:20], 2)  # Redis gone: counters and page caches are skipped, votes are not
    assert client.get(f"/proposals/{proposal.pk}/").status_code == 200
    assert client.get(f"/api/v1/proposals/{proposal.pk}").status_code == 200
    private_redis.start()  # back, empty
    cast(voters[20:], 3)

    assert Vote.objects.filter(proposal=proposal).count() == 30
    assert (
        Vote.objects.filter(proposal=proposal, counted=True).values("voter").distinct().count()
        == 30
    )
    tally = proposal_tally(proposal)
    assert (tally.for_power, tally.against_power, tally.abstain_power) == (100 * WEI,) * 3
    detail = client.get(f"/api/v1/proposals/{proposal.pk}").json()
    assert detail["tally"]["for"] == str(100 * WEI)
