"""Sign-In with Ethereum (EIP-4361) message checks, free of Django.

The checks are split from the nonce bookkeeping so they read like the EIP: parse the
message, compare it with what this site expects, then recover the signer (EIP-191
``personal_sign``). Each refusal carries the code the API answers with.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import encode_defunct

with warnings.catch_warnings():
    # abnf's bundled grammars redefine core rules on import; harmless, but noisy.
    warnings.simplefilter("ignore")
    from siwe import SiweMessage


class SiweRefusal(Exception):
    def __init__(self, code: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Expected:
    domain: str  # host[:port] of this site, as the browser sent it
    origin: str  # scheme://host[:port]
    chain_id: int
    now: datetime
    max_skew: timedelta


def parse(text: str) -> SiweMessage:
    """Parse EIP-4361 text; refuse anything that does not round-trip to the same text."""
    if not isinstance(text, str) or len(text) > 4096:
        raise SiweRefusal("malformed_message", "The sign-in message is missing or too long.", 400)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            message = SiweMessage.from_message(text)
    except Exception as exc:  # the parser raises many kinds; all mean "not EIP-4361"
        raise SiweRefusal(
            "malformed_message",
            f"The sign-in message is not valid EIP-4361 text ({type(exc).__name__}).",
            400,
        ) from None
    if message.prepare_message() != text:
        raise SiweRefusal(
            "malformed_message", "The sign-in message is not in canonical EIP-4361 form.", 400
        )
    return message


def check_fields(message: SiweMessage, expected: Expected) -> None:
    """Compare the message with this site: domain, origin, chain and validity times."""
    if message.domain != expected.domain:
        raise SiweRefusal(
            "domain_mismatch", f"The message is for {message.domain}, not {expected.domain}."
        )
    uri = urlsplit(str(message.uri))
    if f"{uri.scheme}://{uri.netloc}" != expected.origin:
        raise SiweRefusal("uri_mismatch", f"The message URI is not on {expected.origin}.")
    if message.chain_id != expected.chain_id:
        raise SiweRefusal(
            "chain_mismatch", f"Sign in on chain {expected.chain_id}, not {message.chain_id}."
        )
    if message.expiration_time is not None and expected.now >= message.expiration_time._datetime:
        raise SiweRefusal("message_expired", "The sign-in message has expired.")
    if message.not_before is not None and expected.now < message.not_before._datetime:
        raise SiweRefusal(
            "message_not_yet_valid", "The sign-in message is not valid yet (Not Before)."
        )
    if abs(expected.now - message.issued_at._datetime) > expected.max_skew:
        raise SiweRefusal("issued_at_out_of_range", "The message's Issued At is too far from now.")


def recover_signer(text: str, signature: str) -> str | None:
    """The checksummed address that signed ``text`` with personal_sign, or None."""
    try:
        return Account.recover_message(encode_defunct(text=text), signature=signature)
    except Exception:  # malformed hex, wrong length, invalid curve point
        return None
