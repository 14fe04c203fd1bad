"""The API's pagination: DRF's limit/offset, with a ceiling on ``limit``.

Without one, ``?limit=10**30`` reaches the database as a LIMIT no integer column type holds
(PostgreSQL: "bigint out of range"; SQLite: "datatype mismatch"): a 500 from a query string.
"""

from typing import Any

from django.http import QueryDict
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response


class Pagination(LimitOffsetPagination):
    max_limit = 500


def paginated(view: Any, request: Any, rows: Any, serializer: type, **context: Any) -> Response:
    """One page of ``rows`` (``?limit=&offset=``, at most 500) through ``serializer``, with the
    signed-in user and ``context`` in its context: the API's paginated lists."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(rows, request, view=view)
    data = serializer(page, many=True, context={"user": request.user, **context}).data
    return paginator.get_paginated_response(data)


PAGE_SIZE = 50


def paginate(request, items, per_page: int = PAGE_SIZE, keep: tuple[str, ...] = ()) -> dict:
    """The ``?page=N`` page of ``items`` for a server-rendered list, as template context:
    ``page_obj``, its ``rows`` and the ``prev_url``/``next_url`` (other filters kept) that
    templates/_pager.html shows. Two queries: a COUNT and the page's rows. A page number past
    the end, or not a number, gives the nearest page. The links keep the ``keep`` parameters
    (the filters) only: a cached list must not repeat another visitor's query string."""
    from django.core.paginator import Paginator

    page = Paginator(items, per_page).get_page(request.GET.get("page"))

    def url(number: int) -> str:
        query = QueryDict(mutable=True)
        for name in keep:
            if request.GET.get(name):
                query[name] = request.GET[name]
        query["page"] = str(number)
        return "?" + query.urlencode()

    return {
        "page_obj": page,
        "rows": page.object_list,
        "prev_url": url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": url(page.next_page_number()) if page.has_next() else "",
    }
