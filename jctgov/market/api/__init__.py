"""Market API, one module per resource: ``providers`` (provider status, nodes, heartbeats),
``jobs``, ``leases``, ``summary`` (the public summary and quotes), ``replay``; the job and
lease shapes several views share are in ``serializers``."""
