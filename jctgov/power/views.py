"""Voting power pages. The chain writes happen in the user's wallet (static/js/power.js); the
page only serves what the script needs to build and explain them."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from jctgov.chain import locks
from jctgov.chain.client import ChainError, ChainUnavailable
from jctgov.core.addresses import address_any_case, is_address_any_case
from jctgov.core.errors import ApplicationError
from jctgov.delegates import selectors as delegate_selectors
from jctgov.delegates.models import MAX_STATEMENT

ORDERING_LABELS = {"power": "Delegated veJCT", "participation": "Participation"}


def lock_page(request):
    """/power/: JCT balance, lock, veJCT and its decay, lock actions, delegation."""
    try:
        wallet_abi = locks.wallet_abi_summary()
    except (ChainError, ChainUnavailable):  # no deployments yet: the page says so
        wallet_abi = None
    prefill = request.GET.get("delegate", "")
    context = {
        "wallet_abi": wallet_abi,
        "prefill_delegate": address_any_case(prefill) if is_address_any_case(prefill) else "",
        "week_s": locks.WEEK_S,
        "max_lock_s": locks.MAX_LOCK_S,
    }
    return render(request, "power/lock.html", context)


DIRECTORY_PAGE_SIZE = 25


def delegates_directory_page(request):
    """/delegates/: delegates by delegated veJCT now or participation, search by address."""
    ordering = request.GET.get("ordering", "power")
    search = request.GET.get("search", "").strip()
    context: dict = {"ordering": ordering, "search": search, "orderings": ORDERING_LABELS}
    try:
        rows = delegate_selectors.delegates_directory(order_by=ordering, search=search)
    except ApplicationError as error:  # a bad ordering or search: say so, list nothing
        context.update(error=error.message, page=None)
        return render(request, "power/delegates.html", context, status=400)
    context["page"] = Paginator(rows, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "power/delegates.html", context)


def delegate_profile_page(request, address: str):
    """/delegates/<address>/: statement, delegated veJCT, delegators, participation, votes;
    the signed-in delegate edits their statement here."""
    try:
        checked = address_any_case(address)
    except ApplicationError as error:
        raise Http404(error.message) from error
    profile = delegate_selectors.delegate_profile(checked)
    is_me = request.user.is_authenticated and request.user.address.lower() == checked.lower()
    return render(
        request,
        "power/delegate_profile.html",
        {"profile": profile, "is_me": is_me, "max_statement": MAX_STATEMENT},
    )
