"""The snapshot task on a real Celery worker and the real broker (SQLite's in the embedded
default, Redis with CELERY_BROKER_URL): duplicates store one snapshot, transient errors retry."""

from __future__ import annotations

import pytest

from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
from jctgov.chain.tasks import take_snapshot
from tests.fixtures.worker import wait_until

pytestmark = pytest.mark.worker
WEI = 10**18


def _holders(chain) -> None:
    chain.lock(1, 1000 * WEI, 100)
    chain.lock(2, 400 * WEI, 10)


def test_duplicate_snapshot_tasks_on_a_real_worker_store_the_snapshot_once(chain, celery_worker):
    _holders(chain)
    block = chain.head()
    chain.mine(2)
    worker = celery_worker()
    take_snapshot.delay(block)
    take_snapshot.delay(block)  # a duplicate delivery
    wait_until(lambda: worker.output().count("succeeded in") >= 2, timeout=60)
    assert PowerSnapshot.objects.filter(block_number=block).count() == 1
    assert PowerSnapshotEntry.objects.count() == 2


def test_snapshot_task_retries_until_its_block_is_final(chain, celery_worker):
    _holders(chain)
    block = chain.head()  # not yet snapshot_confirmations deep
    worker = celery_worker()
    take_snapshot.delay(block)
    wait_until(lambda: "Retry in" in worker.output(), timeout=60)
    assert not PowerSnapshot.objects.exists()
    chain.mine(2)
    wait_until(lambda: PowerSnapshot.objects.filter(block_number=block).exists(), timeout=90)
    assert "not final yet" in worker.output()
    assert PowerSnapshot.objects.get(block_number=block).holders == 2
