from django.conf import settings
from django.middleware.csrf import get_token


def site(request):
    """Values every page needs. get_token() sets the csrftoken cookie the page's JS sends back."""
    get_token(request)
    return {
        "chain_id": settings.CHAIN_ID,
        "chain_name": settings.CHAIN_NAME,
        "chain_public_rpc_url": settings.CHAIN_PUBLIC_RPC_URL,
    }
