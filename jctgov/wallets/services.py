"""Sign-in services: issue a nonce bound to a session, and log a wallet in with it."""

from __future__ import annotations

import logging
import secrets
import string
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from eth_account.messages import _hash_eip191_message, encode_defunct

from jctgov.core.errors import ApplicationError
from jctgov.wallets import siwe_check
from jctgov.wallets.models import STEWARDS_GROUP, SiweNonce, User

logger = logging.getLogger(__name__)
_ALPHANUMERICS = string.ascii_letters + string.digits
NONCE_LENGTH = 24


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key  # type: ignore[return-value]  # saved above


def nonce_issue(*, request: HttpRequest) -> SiweNonce:
    """Create a single-use nonce bound to the caller's session, valid for SIWE_NONCE_TTL_S."""
    now = timezone.now()
    return SiweNonce.objects.create(
        nonce="".join(secrets.choice(_ALPHANUMERICS) for _ in range(NONCE_LENGTH)),
        session_key=_session_key(request),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.SIWE_NONCE_TTL_S),
    )


def _refuse(refusal: siwe_check.SiweRefusal) -> ApplicationError:
    return ApplicationError(refusal.message, code=refusal.code, status=refusal.status)


def site_origin() -> tuple[str, str]:
    """(domain, origin) a sign-in message must name: those of ``JCTGOV_SITE_URL``.

    Never the request's Host header: with a permissive ALLOWED_HOSTS a client picks it, and a
    message a user signed for another site (evil.example) would then log them in here."""
    parts = urlsplit(settings.JCTGOV_SITE_URL)
    return parts.netloc, f"{parts.scheme}://{parts.netloc}"


def siwe_login(*, request: HttpRequest, message: str, signature: str) -> User:
    """Verify an EIP-4361 message + signature and start a session for the signer.

    Atomic: the nonce is consumed (a conditional update, so two concurrent logins with one
    nonce cannot both succeed) in the same transaction that creates the user. The session
    ends no later than the message's Expiration Time, when it has one.
    """
    now = timezone.now()
    domain, origin = site_origin()
    try:
        parsed = siwe_check.parse(message)
        siwe_check.check_fields(
            parsed,
            siwe_check.Expected(
                domain=domain,
                origin=origin,
                chain_id=settings.CHAIN_ID,
                now=now,
                max_skew=timedelta(seconds=settings.SIWE_MAX_CLOCK_SKEW_S),
            ),
        )
    except siwe_check.SiweRefusal as refusal:
        raise _refuse(refusal) from None
    if not _signature_valid(message, signature, parsed.address):
        raise ApplicationError(
            "The signature does not match the message's address.", code="bad_signature", status=401
        )
    with transaction.atomic():
        consumed = SiweNonce.objects.filter(
            nonce=parsed.nonce,
            session_key=request.session.session_key or "",
            used_at__isnull=True,
            expires_at__gt=now,
        ).update(used_at=now)
        if consumed != 1:
            raise ApplicationError(
                "The nonce is unknown, expired, already used, or from another session.",
                code="invalid_nonce",
                status=401,
            )
        user = User.objects.get_or_create_for_address(parsed.address)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if parsed.expiration_time is not None:
        # The wallet agreed to a session until then, not for SESSION_COOKIE_AGE (EIP-4361
        # "Expiration Time": the time when the signed authentication message is no longer valid).
        expires = parsed.expiration_time._datetime
        default_end = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
        request.session.set_expiry(min(expires, default_end))
    return user


def _signature_valid(message: str, signature: str, address: str) -> bool:
    """personal_sign by the address's key, or (EIP-1271) accepted by the contract at the address.

    Raises ChainUnavailable (503) when the signer is not the address's key and the chain can't
    be asked: the address may be a contract wallet, so "bad signature" would be a guess.
    """
    if siwe_check.recover_signer(message, signature) == address:
        return True
    from jctgov.chain import client as chain

    try:
        if not chain.has_code(address):
            return False
        # EIP-1271: a contract wallet signs by answering isValidSignature(hash, signature) with
        # its magic value; for SIWE the hash is the EIP-191 personal_sign digest of the text.
        digest = _hash_eip191_message(encode_defunct(text=message))
        return chain.is_valid_erc1271_signature(address, digest, signature)
    except chain.ChainUnavailable as exc:
        logger.warning("chain unavailable: cannot check an EIP-1271 signature for %s", address)
        raise chain.ChainUnavailable(
            "The chain can't be reached to check this wallet's signature (contract wallets are "
            "verified on chain). Try again shortly."
        ) from exc


def steward_grant(*, address: str) -> User:
    """Put a wallet in the stewards group (creating the user if needed). Idempotent."""
    with transaction.atomic():
        user = User.objects.get_or_create_for_address(address)
        group, _ = Group.objects.get_or_create(name=STEWARDS_GROUP)
        user.groups.add(group)
    return user


def nonces_purge(*, now=None) -> int:
    """Delete sign-in nonces past their expiry (used or not); returns how many. Idempotent.

    Safe at any time: a login needs its nonce unexpired, so a deleted row could not have been
    used again anyway. Uses the created_at index (expiry = creation + SIWE_NONCE_TTL_S)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SIWE_NONCE_TTL_S)
    deleted, _ = SiweNonce.objects.filter(created_at__lt=cutoff, expires_at__lt=now).delete()
    return deleted


def sessions_purge(*, now=None) -> int:
    """Delete expired sessions (SESSION_COOKIE_AGE, or a SIWE message's Expiration Time);
    returns how many. Idempotent. Django never removes them itself."""
    from django.contrib.sessions.models import Session

    now = now or timezone.now()
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted
