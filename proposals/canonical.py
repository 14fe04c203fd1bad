"""The canonical content of a published proposal and its ``uid``. No Django here.

``uid = keccak256(canonical_json(content))`` where canonical JSON is UTF-8, keys sorted, no
insignificant whitespace (RFC 8785 style for the strings and integers used here). Votes sign
the uid, so a vote can't be moved onto edited content; anyone can recompute it from the
``content`` the API publishes.
"""

from __future__ import annotations

import json
from typing import Any

from eth_utils import keccak

CONTENT_VERSION = "jctgov-proposal-v1"


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def proposal_content(
    *,
    proposal_id: int,
    kind: str,
    title: str,
    body: str,
    discussion_url: str,
    payload: dict[str, Any],
    author: str,
    chain_id: int,
    verifying_contract: str,
    snapshot_block: int,
) -> dict[str, Any]:
    """Everything a vote commits to: what is proposed, by whom, on which chain and power basis."""
    return {
        "version": CONTENT_VERSION,
        "id": proposal_id,
        "kind": kind,
        "title": title,
        "body": body,
        "discussion_url": discussion_url,
        "payload": payload,
        "author": author,
        "chain_id": chain_id,
        "verifying_contract": verifying_contract,
        "snapshot_block": snapshot_block,
    }


def content_uid(content: dict[str, Any]) -> str:
    return "0x" + keccak(canonical_json(content)).hex()
