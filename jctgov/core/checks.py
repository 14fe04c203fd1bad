"""Deployment checks (``manage.py check --deploy``) for settings Django's own checks can't know."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """Rate limits count in the cache: with a per-process one, each web worker (and each
    machine) keeps its own counters, so a client gets the limit once per process."""
    if settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        return [
            Warning(
                "The default cache is per process: rate limits and page caches are not shared "
                "between web workers.",
                hint="Set CACHE_URL to a Redis URL, e.g. redis://127.0.0.1:6379/1.",
                id="jctgov.W001",
            )
        ]
    return []
