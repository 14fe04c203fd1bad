"""The results card's arithmetic (proposals.results): exact integers, rounded only for display."""

from __future__ import annotations

import pytest

from proposals.results import bps_percent, per_mille, percent, result_line, results
from proposals.tally import Tally

WEI = 10**18


def tally(for_=0, against=0, abstain=0, supply=1000 * WEI, bps=400) -> dict:
    return Tally(for_, against, abstain, supply, bps).as_dict()


def test_shares_are_of_the_votes_cast_not_of_the_supply():
    shown = results(tally(600 * WEI, 300 * WEI, 100 * WEI), state="active", snapshot_taken=True)
    assert [(r["label"], r["percent"]) for r in shown["rows"]] == [
        ("For", "60.0%"),
        ("Against", "30.0%"),
        ("Abstain", "10.0%"),
    ]
    assert [r["width"] for r in shown["rows"]] == [600, 300, 100]
    assert [r["x"] for r in shown["rows"]] == [0, 600, 900]  # stacked, left to right
    assert shown["cast"] == 1000 * WEI and shown["turnout"] == "100.0%"


def test_percentages_round_half_up_from_exact_integers_at_token_scale():
    third = 10**27 // 3
    assert percent(third, 10**27) == "33.3%" and percent(2 * third, 10**27) == "66.7%"
    assert percent(1, 2000) == "0.1%"  # 0.05% rounds half up
    assert percent(1, 10**27) == "<0.1%"  # never "0.0%" for a vote that counts
    assert percent(10**27 - 1, 10**27) == ">99.9%"  # never "100.0%" for less than all
    assert percent(5, 5) == "100.0%" and percent(0, 5) == "0%" and percent(5, 0) == "0%"
    assert per_mille(1, 3) == 333 and per_mille(2, 3) == 667 and per_mille(3, 0) == 0


def test_quorum_counts_for_and_abstain_never_against():
    shown = results(tally(10 * WEI, 900 * WEI, 20 * WEI), state="active", snapshot_taken=True)
    quorum = shown["quorum"]
    assert quorum["needed"] == 40 * WEI  # 400 bps of 1,000 veJCT
    assert quorum["counted"] == 30 * WEI  # For + Abstain; the 900 Against don't help
    assert not quorum["reached"] and quorum["percent_of_needed"] == "75.0%"
    assert quorum["rule_percent"] == "4%"
    assert (quorum["for_width"], quorum["abstain_width"], quorum["mark"]) == (250, 500, 1000)
    assert shown["line"] == "Failing: quorum not reached."


def test_the_quorum_bar_rescales_when_more_than_the_quorum_was_cast():
    quorum = results(tally(80 * WEI, 0, 0), state="active", snapshot_taken=True)["quorum"]
    assert quorum["reached"] and quorum["for_width"] == 1000 and quorum["mark"] == 500


@pytest.mark.parametrize(
    ("state", "votes", "line", "tone"),
    [
        ("active", (50, 10, 0), "Passing: quorum reached and more For than Against.", "ok"),
        ("active", (0, 0, 0), "Failing: quorum not reached.", "bad"),
        ("active", (50, 60, 0), "Failing: more Against than For.", "bad"),
        ("active", (0, 0, 50), "Failing: For does not outnumber Against.", "bad"),
        ("succeeded", (50, 10, 0), "Passed.", "ok"),
        ("executed", (50, 10, 0), "Passed.", "ok"),
        ("defeated", (50, 60, 0), "Defeated: more Against than For.", "bad"),
        ("no_quorum", (1, 0, 0), "Defeated: quorum not reached.", "bad"),
        ("cancelled", (0, 0, 0), "Cancelled.", "muted"),
    ],
)
def test_result_lines(state, votes, line, tone):
    for_, against, abstain = (v * WEI for v in votes)
    shown = results(tally(for_, against, abstain), state=state, snapshot_taken=True)
    assert (shown["line"], shown["tone"]) == (line, tone)


def test_a_pending_proposal_says_the_snapshot_is_not_taken_instead_of_zero_of_zero():
    shown = results(tally(supply=0), state="pending", snapshot_taken=False)
    assert shown["line"] == "Voting has not started: the snapshot of voting power is not taken yet."
    assert not shown["snapshot_taken"] and shown["turnout"] == "0%"
    assert result_line(
        state="active", for_power=0, against_power=0, quorum_reached=False, snapshot_taken=False
    )[0].startswith("Voting has not started")


def test_basis_points_read_as_percent():
    assert [bps_percent(b) for b in (400, 250, 1, 1234, 0)] == [
        "4%",
        "2.5%",
        "0.01%",
        "12.34%",
        "0%",
    ]
