"""The proposal list's search and filters: title/text search, state, kind and author in the
query string (shareable, the same on the page and the API), kept by the pager; an author
typed in any case is checksummed, a non-address is refused with a sentence, never a 500."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from proposals.models import ProposalKind
from tests.factories import UserFactory
from tests.proposals.factories import make_active, make_draft

pytestmark = pytest.mark.django_db


def titles_on_page(html: str) -> list[str]:
    return re.findall(r'<a href="/proposals/\d+/">([^<]+)</a>', html)


def titles_in_api(client: Client, **query) -> list[str]:
    return [row["title"] for row in client.get("/api/v1/proposals", query).json()["results"]]


@pytest.fixture
def listed():
    alice, bob = UserFactory(), UserFactory()
    make_active(title="Lower the JCT fee", body="Cheaper compute.", author=alice)
    make_active(title="Longer voting period", body="Give holders time to read the FEE table.")
    make_active(
        title="Fund the docs program",
        body="Docs.",
        author=bob,
        kind=ProposalKind.GRANT_BUDGET,
        payload={"program_name": "Docs", "description": "", "amount": str(10**21)},
    )
    make_draft(title="A draft about fees", author=alice)  # listed to alice only
    return alice, bob


def test_search_finds_words_in_titles_and_texts_in_any_case(client, listed):
    page = client.get("/proposals/", {"q": "fee"}).content.decode()
    assert sorted(titles_on_page(page)) == ["Longer voting period", "Lower the JCT fee"]
    assert 'value="fee"' in page  # the form shows what was searched
    assert sorted(titles_in_api(client, q="FEE")) == ["Longer voting period", "Lower the JCT fee"]
    assert (
        "No proposals match."
        in client.get("/proposals/", {"q": "nothing like it"}).content.decode()
    )


def test_filters_by_kind_and_author_in_any_case(client, listed):
    alice, bob = listed
    page = client.get("/proposals/", {"kind": "grant_budget"}).content.decode()
    assert titles_on_page(page) == ["Fund the docs program"]
    assert titles_in_api(client, author=alice.address.lower()) == ["Lower the JCT fee"]
    page = client.get("/proposals/", {"author": bob.address.upper().replace("0X", "0x")})
    assert titles_on_page(page.content.decode()) == ["Fund the docs program"]
    assert f'value="{bob.address}"' in page.content.decode()  # shown checksummed
    # Drafts stay their author's: a filter by author does not reveal them to anyone else.
    assert titles_in_api(client, author=alice.address, state="draft") == []


def test_a_bad_author_is_a_sentence_on_the_page_and_a_400_in_the_api(client, listed):
    page = client.get("/proposals/", {"author": "alice"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-invalid="true"' in html and "Not an Ethereum address" in html
    assert titles_on_page(html) == []
    answer = client.get("/api/v1/proposals", {"author": "alice"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_address"
    assert answer.json()["error"]["field"] == "author"


def test_the_pager_keeps_search_and_filters(client):
    for i in range(52):
        make_active(title=f"Fee change {i:02d}", snapshot_block=100 + i)
    make_active(title="Something else")
    page = client.get("/proposals/", {"q": "fee", "kind": "parameters"}).content.decode()
    assert "52 in all" in page
    assert 'rel="next" href="?kind=parameters&amp;q=fee&amp;page=2"' in page
    second = client.get("/proposals/", {"q": "fee", "kind": "parameters", "page": "2"})
    assert titles_on_page(second.content.decode()) == ["Fee change 01", "Fee change 00"]


def test_the_list_stacks_as_labelled_rows_on_a_phone(client, listed):
    html = client.get("/proposals/").content.decode()
    assert '<table class="proposals stack"' in html and "table-scroll" not in html
    assert 'data-label="Title"' in html and 'data-label="State"' in html
    # Each field has its label above it (a <label for>), and the form works without JS (GET).
    for name in ("filter-q", "filter-state", "filter-kind", "filter-author"):
        assert f'<label for="{name}">' in html
    assert '<form method="get"' in html
