"""Periodic tasks, declared in code. Intervals are seconds."""

BEAT_SCHEDULE: dict[str, dict] = {}

# --- market (jctgov/market/tasks.py) ---------------------------------------------------
BEAT_SCHEDULE.update(
    {
        "market-match-round": {"task": "jctgov.market.tasks.run_match_round", "schedule": 10.0},
        "market-refresh-stakes": {"task": "jctgov.market.tasks.refresh_stakes", "schedule": 300.0},
        "market-fail-stale-leases": {
            "task": "jctgov.market.tasks.fail_stale_leases",
            "schedule": 60.0,
        },
    }
)

# --- proposals (proposals/tasks.py) ----------------------------------------------------
BEAT_SCHEDULE.update(
    {
        "proposals-advance": {"task": "proposals.advance_proposals", "schedule": 5.0},
        "proposals-execution-due": {"task": "proposals.execution_due", "schedule": 10.0},
    }
)

# --- chain (jctgov/chain/tasks.py) -----------------------------------------------------
BEAT_SCHEDULE.update(
    {
        "chain-index-events": {"task": "jctgov.chain.tasks.index_chain", "schedule": 5.0},
        "chain-operations-due": {"task": "jctgov.chain.tasks.operations_due", "schedule": 30.0},
    }
)

# --- grants (grants/tasks.py) -----------------------------------------------------------
BEAT_SCHEDULE.update(
    {
        "grants-reconcile-payouts": {"task": "grants.reconcile_payouts", "schedule": 60.0},
    }
)
