"""Text PostgreSQL can store: no NUL character, no unpaired UTF-16 surrogate; and text that
shows what it says: no bidirectional control character. No Django here.

A NUL can't be in ``text`` or ``jsonb`` and a lone surrogate has no UTF-8 encoding, so either
would fail inside the database. The API's parser refuses them in every request body; validators
that build stored JSON check again, so what they accept can always be saved.
"""

from __future__ import annotations

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "Text may not contain NUL characters or unpaired UTF-16 surrogates."


def is_storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None


# Bidirectional controls reorder how the text around them is displayed (the "Trojan Source"
# trick, CVE-2021-42574): a title or reason could read differently from the bytes a voter
# signs or a steward approves. Embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069,
# the marks U+200E/U+200F and the Arabic letter mark U+061C. Right-to-left letters themselves
# are fine: their direction comes from the letters, not from invisible controls.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
BIDI_CODE = "bidi_control_character"
BIDI_MESSAGE = (
    "Text may not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069, "
    "U+200E, U+200F, U+061C): they make text display differently from what it says."
)


def has_bidi_controls(text: str) -> bool:
    return BIDI_CONTROLS.search(text) is not None


def text_problem(text: str) -> tuple[str, str] | None:
    """(code, message) of the first reason ``text`` can't be taken, or None: the one check of
    every text this app stores (titles, bodies, reasons, statements, names)."""
    if not is_storable(text):
        return "invalid_text", UNSTORABLE_MESSAGE
    if has_bidi_controls(text):
        return BIDI_CODE, BIDI_MESSAGE
    return None
