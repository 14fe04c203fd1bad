"""Every main page in Chromium as the steward (who sees the most controls), at 390 px in dark
mode and at 1280 px in light mode: a Content-Security-Policy header, no CSP violation in the
console, no sideways scroll (of the page, or of a table inside its own box), and no serious
or critical axe-core violation. One browser, one page load per page and width."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.ui.conftest import main_pages, screenshot

# axe-core from node_modules (pinned in package.json), evaluated through DevTools: the page's
# CSP (rightly) refuses an injected <script>, and the check must not weaken it.
AXE = Path(settings.BASE_DIR, "node_modules", "axe-core", "axe.min.js")
AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
}"""

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = """() => {
  const root = document.scrollingElement;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && el.offsetParent)
    .filter((el) => !el.closest(".scroll-x"))
    .slice(0, 3).map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                             + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : ""));
  return { scroll: root.scrollWidth, inner: window.innerWidth, wide };
}"""

# Tables (and their scroll wrappers) that scroll sideways inside their own box: on a phone a
# data table stacks into labelled rows (`table.stack`, static/css/app.css) instead, as it clips
# columns with no hint that they scroll. Only a `.compact` table is deliberately left as one.
BOXED = """() => [...document.querySelectorAll("main table:not(.compact)")]
  .flatMap((table) => [table, table.closest(".table-scroll, .scroll-x")])
  .filter((el, i, all) => el && all.indexOf(el) === i && el.offsetParent)
  .filter((el) => el.scrollWidth > el.clientWidth + 1)
  .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : "")
               + " " + el.scrollWidth + " > " + el.clientWidth)"""


@pytest.mark.parametrize(("width", "scheme"), [(390, "dark"), (1280, "light")])
def test_every_main_page_has_a_csp_fits_the_screen_and_passes_axe(
    steward_context, ui_world, width, scheme
):
    axe_source = AXE.read_text() + "\n;true"
    page = steward_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    problems: list[str] = []
    for path in main_pages(ui_world):
        console.clear()
        response = page.goto(path)
        page.wait_for_load_state("load")
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "'unsafe-inline'" in policy:
            problems.append(f"{path}: CSP header {policy!r}")
        violations = page.evaluate("window.__cspViolations") + [
            text for text in console if "Content Security Policy" in text
        ]
        if violations:
            problems.append(f"{path}: CSP violations {violations}")
        fit = page.evaluate(OVERFLOW)
        if fit["scroll"] > fit["inner"]:
            problems.append(f"{path}: {fit['scroll']} px wide at {fit['inner']} ({fit['wide']})")
        if boxed := page.evaluate(BOXED):
            problems.append(f"{path}: tables scroll inside their box {boxed}")
        page.evaluate(axe_source)
        for violation in page.evaluate(AXE_RUN):
            problems.append(f"{path}: axe {violation}")
        screenshot(page, path, width)
    assert not problems, "\n".join(problems)
