"""The API's JSON parser: DRF's, plus the refusals hostile bodies need.

- NUL characters and lone UTF-16 surrogates are refused anywhere in the document (keys and
  values): PostgreSQL can store neither in ``text`` or ``jsonb`` (a NUL ends a C string; a
  surrogate has no UTF-8 encoding), so they would otherwise surface as a 500 from the database
  wherever a JSON field is saved. No text this API takes has a use for them.
- Bidirectional control characters are refused the same way (``bidi_control_character``): no
  title, body, reason or statement may display differently from what it says.
- Nesting deeper than :data:`MAX_DEPTH` is refused before Python's recursive decoder meets it
  (a 256 KiB body of ``[`` would raise RecursionError, which is not a client error to DRF).
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from jctgov.core.errors import ApplicationError
from jctgov.core.text import text_problem

MAX_DEPTH = 32


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from None
        check_text(data)
        return data


def check_text(value: Any) -> None:
    """Raise ApplicationError ``invalid_text`` naming the first string with NUL or a surrogate,
    ``bidi_control_character`` the first with a bidirectional control (jctgov.core.text).

    Iterative, so a deep document can't exhaust the stack; refuses depth over MAX_DEPTH.
    """
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        if isinstance(item, str):
            if problem := text_problem(item):
                raise ApplicationError(problem[1], code=problem[0], field=path or None)
        elif isinstance(item, dict):
            for key, child in item.items():
                where = f"{path}.{key}" if path else str(key)
                if problem := text_problem(key):
                    raise ApplicationError(problem[1], code=problem[0], field=path or None)
                stack.append((child, where, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
