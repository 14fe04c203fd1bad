"""Grants API, one module per resource: ``programs``, ``applications`` (with their reviews),
``milestones``, ``recognitions``; the response shapes several views share are in
``serializers``."""
