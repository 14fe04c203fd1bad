"""Every main page in Chromium, at 390 and 1280 px, as the steward (who sees the most
controls): a Content-Security-Policy header, no CSP violation in the console, and no sideways
scroll. One browser, one page load per page and width."""

from __future__ import annotations

import pytest

from tests.ui.conftest import main_pages, screenshot

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


@pytest.mark.parametrize("width", [390, 1280])
def test_every_main_page_has_a_csp_and_fits_the_screen(steward_context, ui_world, width):
    page = steward_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
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
        screenshot(page, path, width)
    assert not problems, "\n".join(problems)
