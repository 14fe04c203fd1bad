from rest_framework.authentication import SessionAuthentication


class WalletSessionAuthentication(SessionAuthentication):
    """Django's session (set by SIWE login), with CSRF on unsafe methods.

    Naming a challenge makes DRF answer 401 (not 403) to a signed-out caller, so clients can
    tell "sign in" apart from "not allowed".
    """

    def authenticate_header(self, request):
        return 'SIWE realm="jctgov"'
