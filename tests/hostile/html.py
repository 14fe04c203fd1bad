"""What "rendered inert" means for a page, checked on its HTML as a browser would parse it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Text a hostile user stores; every page must show it as text, never run it.
SCRIPT = '<script>alert("pwned")</script>'
IMG = "<img src=x onerror=alert(1)>"
MD_LINK = "[click me](javascript:alert(1))"
# Right-to-left letters (their direction is the letters' own). Bidirectional *controls* such as
# U+202E are refused at the door: tests/hostile/test_bidi_controls.py.
RTL = "\u05e8\u05e2"
EMOJI = "🚀👩‍💻"
HOSTILE = f"{SCRIPT}{IMG} {MD_LINK} {RTL} {EMOJI} \"quoted\" & 'single'"
# For fields with a short limit (node region: 32 characters).
HOSTILE_SHORT = f"<b onclick=alert(2)>{RTL}{EMOJI}"

_BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.I)
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcdoc"}


class _Inspector(HTMLParser):
    """Collects what would run the stored text. The app's own markup (its inline scripts, an
    ``onchange`` that submits a filter form) never mentions ``alert``; the hostile text does."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") and "alert" in (value or ""):
                self.problems.append(f"<{tag} {name}={value!r}>: event handler from stored text")
            if name in _URL_ATTRS and value:
                # Browsers ignore ASCII whitespace and control characters inside the scheme.
                if _BAD_SCHEME.match(re.sub(r"[\x00-\x20]", "", value)):
                    self.problems.append(f"<{tag} {name}={value!r}>: script URL")
        if tag == "script":
            if "src" in names and not str(names["src"]).startswith("/static/"):
                self.problems.append(f"<script src={names['src']!r}>: foreign script")
            # Inline data is application/json (json_script), which browsers never execute.
            self._script = (
                "" if "src" not in names and names.get("type") != "application/json" else None
            )
        # The app draws its own charts as <svg data-chart> (the proposal page's results);
        # any other such element can only come from stored text.
        app_chart = tag == "svg" and "data-chart" in names
        if (
            tag in {"img", "iframe", "object", "embed", "svg", "math", "base", "meta"}
            and (tag != "meta" or "http-equiv" in names)
            and not app_chart
        ):
            self.problems.append(f"<{tag}>: element from stored text")

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            if "alert(" in self._script:
                self.problems.append(f"inline script runs stored text: {self._script[:80]!r}")
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script += data


def inert_problems(html: str) -> list[str]:
    """Everything in ``html`` that would run the stored text: the empty list for a safe page."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems
