"""Periodic tasks, declared in code. Intervals are seconds."""

BEAT_SCHEDULE: dict[str, dict] = {}
