"""Voting power pages. The chain writes happen in the user's wallet (static/js/power.js); the
page only serves what the script needs to build and explain them."""

from django.shortcuts import render

from jctgov.chain import locks
from jctgov.chain.client import ChainError, ChainUnavailable
from jctgov.core.addresses import address_any_case, is_address_any_case


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
