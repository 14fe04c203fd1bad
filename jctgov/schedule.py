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
        "market-expire-jobs": {"task": "jctgov.market.tasks.expire_jobs", "schedule": 60.0},
        "market-retry-stale-replays": {
            "task": "jctgov.market.tasks.retry_stale_replays",
            "schedule": 60.0,
        },
        "market-retention": {"task": "jctgov.market.tasks.market_retention", "schedule": 3600.0},
        # A no-op unless `up` turned the demo on (JCTGOV_SIMULATE_DEMO_NODES=1).
        "market-simulate-demo-nodes": {
            "task": "jctgov.market.tasks.simulate_demo_nodes",
            "schedule": 20.0,
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

# --- wallets (jctgov/wallets/tasks.py): retention ----------------------------------------
BEAT_SCHEDULE.update(
    {
        "wallets-purge-nonces": {"task": "wallets.purge_nonces", "schedule": 600.0},
        "wallets-purge-sessions": {"task": "wallets.purge_sessions", "schedule": 3600.0},
    }
)

# --- notifications (jctgov/notify/tasks.py; the scans: proposals/tasks.py, market/tasks.py) --
BEAT_SCHEDULE.update(
    {
        "notify-sweep": {"task": "notify.sweep", "schedule": 15.0},
        "notify-closing-soon": {"task": "notify.closing_soon", "schedule": 300.0},
        "notify-nodes-offline": {"task": "notify.nodes_offline", "schedule": 60.0},
    }
)
