"""Text PostgreSQL can store: no NUL character, no unpaired UTF-16 surrogate. No Django here.

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
