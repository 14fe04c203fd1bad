"""Proposals API, one module per resource: ``proposals`` (parameters, list, drafts, publish,
cancel), ``votes`` (typed data, votes, voting power), ``execution`` (approval, retry); the
response shapes several views share are in ``serializers``."""
