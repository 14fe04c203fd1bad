"""The development stack: ``manage.py up`` (chain, contracts, web, worker, beat) and the demo
data ``seed_demo`` creates. It drives every app, so it sits above them all and no app imports
it (``jctgov.core`` stays free of the apps built on it)."""
