"""Hostile text in every field users write: stored exactly, shown inert, NUL never a 500.

One world where a steward, an applicant and a reviewer put script tags, event handlers,
javascript: links, RTL overrides and emoji into every text field the API takes (proposal
title, body and payload texts, cancel reason, vote reason, program description and rubric,
application texts and milestones, reviews, decision reason, milestone report, node name and
region, lease failure reason). The API hands each one back unchanged, and every page that shows
them renders them as text: no inline script, event handler or script URL comes from them.
"""

from __future__ import annotations

import pytest
from django.utils.html import escape

from tests.hostile.html import HOSTILE, HOSTILE_SHORT, SCRIPT, inert_problems

pytestmark = pytest.mark.django_db


def test_hostile_text_comes_back_from_the_api_exactly_as_written(hostile_world):
    world = hostile_world
    ids, get = world.ids, (lambda path: world.clients["steward"].get(path).json())
    draft = get(f"/api/v1/proposals/{ids['draft']}")
    assert draft["title"] == HOSTILE and draft["body"].startswith(HOSTILE)
    assert draft["payload"]["program_name"] == draft["payload"]["description"] == HOSTILE
    cancelled = get(f"/api/v1/proposals/{ids['cancelled']}")
    assert cancelled["cancel_reason"] == HOSTILE
    assert cancelled["payload"]["recipients"][0]["reason"] == HOSTILE
    [vote] = get(f"/api/v1/proposals/{ids['active']}/votes")["results"]
    assert vote["reason"] == vote["typed_data"]["message"]["reason"] == HOSTILE
    program = get(f"/api/v1/grants/programs/{ids['program']}")
    assert program["description"] == HOSTILE and program["rubric"][0]["criterion"] == HOSTILE_SHORT
    application = get(f"/api/v1/grants/applications/{ids['application']}")
    assert {application[k] for k in ("title", "description", "team", "decision_reason")} == {
        HOSTILE
    }
    [milestone] = application["milestones"]
    assert milestone["title"] == milestone["deliverable"] == milestone["report_text"] == HOSTILE
    assert {r["comment"] for r in application["reviews"]} == {HOSTILE}
    [node] = get("/api/v1/market/nodes")
    assert node["name"] == node["region"] == HOSTILE_SHORT
    [lease] = get("/api/v1/market/leases")["results"]
    assert lease["failure_reason"] == HOSTILE


PAGES = [
    ("anyone", "/proposals/"),
    ("steward", "/proposals/{draft}/"),  # a draft: its author's alone
    ("anyone", "/proposals/{cancelled}/"),
    ("anyone", "/proposals/{active}/"),
    ("steward", "/proposals/{draft}/edit/"),
    ("anyone", "/grants/"),
    ("steward", "/grants/{program}/"),
    ("anyone", "/grants/applications/{application}/"),
    ("applicant", "/grants/applications/"),
    ("steward", "/steward/"),
    ("anyone", "/grants/recognitions/"),
    ("steward", "/market/provider/"),
    ("anyone", "/"),
]


@pytest.mark.parametrize(("who", "page"), PAGES)
def test_pages_show_hostile_text_as_text_and_run_none_of_it(hostile_world, who, page):
    response = hostile_world.clients[who].get(page.format(**hostile_world.ids))
    assert response.status_code == 200
    html = response.content.decode()
    assert inert_problems(html) == []
    assert SCRIPT not in html and HOSTILE_SHORT not in html
    if page != "/":
        shown = escape(SCRIPT) in html or escape(HOSTILE_SHORT) in html
        assert shown or "\\u003Cscript\\u003E" in html, "the stored text is not on the page"


def test_the_inertness_check_catches_what_it_looks_for():
    assert inert_problems(f"<p>{SCRIPT}</p>") and inert_problems(f"<p>{HOSTILE_SHORT}</p>")
    assert inert_problems('<a href=" JaVa\tScRiPt:alert(1)">x</a>')
    assert inert_problems("<img src=x onerror=alert(1)>")
    assert inert_problems(f"<p>{escape(HOSTILE)}</p>") == []
