"""A tally as people read it: shares of the votes cast, the quorum rule, turnout and a result
line. Pure functions over plain values (no Django), exact integers throughout: a percentage is
computed from the integer amounts and rounded (half up) only for display.

The rules are the tally's (``proposals.tally``): quorum = ``quorum_bps`` of the veJCT supply at
the snapshot block, rounded up, counting For + Abstain (Against never helps reach it); a
proposal passes when quorum is met and For > Against.
"""

from __future__ import annotations

from typing import Any

SCALE = 1000  # bar widths in tenths of a percent: integers an SVG draws without floats
CHOICES = (("for", "For"), ("against", "Against"), ("abstain", "Abstain"))
PASSED_STATES = ("succeeded", "queued", "executed", "failed", "expired")


def per_mille(part: int, whole: int) -> int:
    """part / whole in thousandths, rounded half up, within [0, SCALE]; 0 when whole is 0."""
    if whole <= 0 or part <= 0:
        return 0
    return min(SCALE, (2 * part * SCALE + whole) // (2 * whole))


def percent(part: int, whole: int, places: int = 1) -> str:
    """part / whole as a percentage with ``places`` decimals, rounded half up: "33.3%".
    Never "0.0%" for a non-zero part (it says "<0.1%"), never "100.0%" for less than all."""
    if whole <= 0 or part <= 0:
        return "0%"
    step = 10**places
    scaled = (2 * part * 100 * step + whole) // (2 * whole)
    if scaled == 0:
        return "<" + _fixed(1, places) + "%"
    if scaled >= 100 * step and part < whole:
        return ">" + _fixed(100 * step - 1, places) + "%"
    return _fixed(scaled, places) + "%"


def _fixed(scaled: int, places: int) -> str:
    """An integer count of 10^-places as decimal text: (333, 1) -> "33.3"."""
    whole, rest = divmod(scaled, 10**places)
    return f"{whole}.{rest:0{places}d}" if places else str(whole)


def bps_percent(bps: int) -> str:
    """Basis points as a percentage: 400 -> "4%", 250 -> "2.5%", 1 -> "0.01%"."""
    whole, rest = divmod(int(bps), 100)
    return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"


def _against_reason(for_power: int, against_power: int) -> str:
    return (
        "more Against than For" if against_power > for_power else "For does not outnumber Against"
    )


def result_line(
    *,
    state: str,
    for_power: int,
    against_power: int,
    quorum_reached: bool,
    snapshot_taken: bool,
) -> tuple[str, str]:
    """(text, tone) of where the vote stands: tone "ok", "bad" or "muted" for the page."""
    if state == "draft":
        return "Draft: not published, nobody can vote yet.", "muted"
    if state == "pending" or not snapshot_taken:
        return "Voting has not started: the snapshot of voting power is not taken yet.", "muted"
    if state == "cancelled":
        return "Cancelled.", "muted"
    if state == "active":
        if not quorum_reached:
            return "Failing: quorum not reached.", "bad"
        if for_power <= against_power:
            return f"Failing: {_against_reason(for_power, against_power)}.", "bad"
        return "Passing: quorum reached and more For than Against.", "ok"
    if state in PASSED_STATES:
        return "Passed.", "ok"
    if state == "no_quorum":
        return "Defeated: quorum not reached.", "bad"
    if state == "defeated":
        return f"Defeated: {_against_reason(for_power, against_power)}.", "bad"
    return "", "muted"


def results(tally: dict[str, Any], *, state: str, snapshot_taken: bool) -> dict[str, Any]:
    """What the results card shows, from ``Tally.as_dict()`` (amounts as integer strings)."""
    amounts = {key: int(tally[key]) for key, _ in CHOICES}
    cast = sum(amounts.values())
    supply = int(tally["total_supply"])
    needed = int(tally["quorum"])
    counted = amounts["for"] + amounts["abstain"]
    # The quorum bar's scale: the quorum, or what was cast toward it when that is more.
    scale = max(needed, counted, 1)
    text, tone = result_line(
        state=state,
        for_power=amounts["for"],
        against_power=amounts["against"],
        quorum_reached=bool(tally["quorum_reached"]),
        snapshot_taken=snapshot_taken,
    )
    rows = []
    offset = 0
    for key, label in CHOICES:
        width = per_mille(amounts[key], cast)
        rows.append(
            {
                "key": key,
                "label": label,
                "power": amounts[key],
                "percent": percent(amounts[key], cast),
                "width": width,
                "x": offset,
            }
        )
        offset += width
    return {
        "rows": rows,
        "cast": cast,
        "supply": supply,
        "turnout": percent(cast, supply),
        "snapshot_taken": snapshot_taken,
        "quorum": {
            "needed": needed,
            "counted": counted,
            "reached": bool(tally["quorum_reached"]),
            "bps": int(tally["quorum_bps"]),
            "rule_percent": bps_percent(int(tally["quorum_bps"])),
            "percent_of_needed": percent(counted, needed),
            "progress": per_mille(counted, needed) if needed else SCALE,
            "counted_of_supply": percent(counted, supply),
            "for_width": per_mille(amounts["for"], scale),
            "abstain_width": per_mille(amounts["abstain"], scale),
            "mark": per_mille(needed, scale),
        },
        "line": text,
        "tone": tone,
    }
