"""The base of every Celery task of the app: enqueueing waits for the caller's commit.

A service that starts follow-up work inside ``transaction.atomic`` just calls
``enqueue("app.task_name", ...)`` (or ``task.delay(...)``): the message is sent from
``transaction.on_commit``, so a worker never picks up a row that isn't committed yet (or never
will be, after a rollback). Outside a transaction it is sent at once. (pretix's
``TransactionAwareTask`` does the same.)

Services name a task by its Celery name (the broker's contract, declared on the task) rather
than importing its module: tasks import services, so the other direction would be a cycle.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from celery import Task
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from jctgov.celery import app


def in_transaction(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Is a transaction of the code's own open? A test case's wrapping transaction doesn't
    count (it is never committed, so work deferred to it would silently never run); the
    services' own ``atomic`` blocks inside it do."""
    connection = connections[using]
    return connection.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


class TransactionAwareTask(Task):
    """``apply_async`` (and so ``delay``) inside a transaction sends once it commits, and
    never if it rolls back (and returns None then: there is no result to wait for yet)."""

    abstract = True

    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        if not in_transaction():
            return super().apply_async(*args, **kwargs)

        def send_after_commit() -> None:
            super(TransactionAwareTask, self).apply_async(*args, **kwargs)

        transaction.on_commit(send_after_commit)
        return None


@cache
def _registry() -> Any:
    """Celery's task registry with every app's ``tasks`` module loaded (a web process doesn't
    load them by itself: only a worker does, at start)."""
    app.loader.import_default_modules()
    return app.tasks


def enqueue(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Run the task registered as ``task_name`` with these arguments in a worker, once the
    current transaction commits (at once outside one). KeyError for an unknown name."""
    _registry()[task_name].delay(*args, **kwargs)
