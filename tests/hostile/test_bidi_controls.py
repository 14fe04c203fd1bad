"""Bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) are
refused with 400 ``bidi_control_character`` naming the field, in every text field the API
takes (titles, bodies, reasons, comments, names), and nothing is written."""

from __future__ import annotations

import json

import pytest

from grants.models import Application
from jctgov.core.text import has_bidi_controls
from proposals.models import Proposal, Vote
from tests.hostile.test_nul_and_surrogates import FIELDS, _fill, draft_app  # noqa: F401

CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068"]
CONTROLS += ["\u2069", "\u200e", "\u200f", "\u061c"]

pytestmark = pytest.mark.django_db


def test_the_validator_knows_every_control_and_spares_rtl_letters():
    assert all(has_bidi_controls(f"a{c}b") for c in CONTROLS)
    assert not has_bidi_controls("שלום עולם · مرحبا · 🚀 plain")


@pytest.mark.parametrize(("who", "method", "path", "body", "field"), FIELDS)
def test_bidi_override_in_any_text_field_is_refused(
    hostile_world,
    draft_app,  # noqa: F811
    who,
    method,
    path,
    body,
    field,
):
    counts = (Proposal.objects.count(), Application.objects.count(), Vote.objects.count())
    raw = json.dumps(_fill(body, "approve\u202eevil\u202c"))
    url = path.format(**hostile_world.ids, draft_app=draft_app)
    response = getattr(hostile_world.clients[who], method)(
        url, raw, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "bidi_control_character"
    assert response.json()["error"]["field"] == field
    assert "bidirectional" in response.json()["error"]["message"]
    counts_after = (Proposal.objects.count(), Application.objects.count(), Vote.objects.count())
    assert counts_after == counts


@pytest.mark.parametrize("control", CONTROLS)
def test_each_control_is_refused_in_a_proposal_title(hostile_world, control):
    response = hostile_world.clients["steward"].post(
        "/api/v1/proposals",
        {"kind": "parameters", "title": f"Fee{control}cut", "payload": []},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "bidi_control_character",
        "message": response.json()["error"]["message"],
        "field": "title",
    }


def test_a_signed_vote_with_a_bidi_reason_is_refused_by_the_service():
    from proposals.services.votes import vote_check_input

    with pytest.raises(Exception) as refused:
        vote_check_input(voter="0x" + "1" * 40, choice=1, reason="ok\u2067", timestamp=1)
    assert refused.value.code == "bidi_control_character"
