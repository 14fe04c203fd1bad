"""Helpers for the sign-in tests: build EIP-4361 text, sign it, call the API, check refusals."""

from __future__ import annotations

from datetime import UTC, datetime

from eth_account.messages import encode_defunct


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def siwe_text(
    address: str,
    nonce: str,
    *,
    domain: str = "testserver",
    uri: str = "http://testserver",
    chain_id: int = 31337,
    issued_at: datetime | None = None,
    expiration: datetime | None = None,
    not_before: datetime | None = None,
) -> str:
    lines = [
        f"{domain} wants you to sign in with your Ethereum account:",
        address,
        "",
        "Sign in to Janction governance.",
        "",
        f"URI: {uri}",
        "Version: 1",
        f"Chain ID: {chain_id}",
        f"Nonce: {nonce}",
        f"Issued At: {iso(issued_at or datetime.now(UTC))}",
    ]
    if expiration:
        lines.append(f"Expiration Time: {iso(expiration)}")
    if not_before:
        lines.append(f"Not Before: {iso(not_before)}")
    return "\n".join(lines)


def sign(account, text: str) -> str:
    """personal_sign (EIP-191) of ``text`` by ``account``, as a wallet returns it."""
    return "0x" + account.sign_message(encode_defunct(text=text)).signature.hex().removeprefix("0x")


def get_nonce(client) -> str:
    response = client.get("/api/v1/auth/nonce")
    assert response.status_code == 200
    return response.json()["nonce"]


def login(client, text: str, signature: str):
    return client.post(
        "/api/v1/auth/login",
        {"message": text, "signature": signature},
        content_type="application/json",
    )


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
