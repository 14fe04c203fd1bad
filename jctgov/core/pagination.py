"""The API's pagination: DRF's limit/offset, with a ceiling on ``limit``.

Without one, ``?limit=10**30`` reaches the database as a LIMIT no integer column type holds
(PostgreSQL: "bigint out of range"; SQLite: "datatype mismatch"): a 500 from a query string.
"""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    max_limit = 500
