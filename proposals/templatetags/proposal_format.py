"""Display helpers for proposal pages: parameter values by kind, time left, shares."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from jctgov.core.parameters import REGISTRY
from jctgov.core.units import format_tokens, tokens
from proposals import domain

register = template.Library()
WEI = Decimal(10) ** 18


_tokens = format_tokens


@register.filter
def param_value(value, key: str) -> str:
    """A parameter value in its unit: 200 bps → "2.00%", wei → "1,000 veJCT", 3600 s → "1h"."""
    if value in (None, ""):
        return "—"
    number = int(value)
    kind = REGISTRY[key].kind if key in REGISTRY else "integer"
    if kind == "bps":
        return f"{Decimal(number) / 100:.2f}%"
    if kind == "token":
        return f"{_tokens(number)} {'veJCT' if 'vejct' in key or 'threshold' in key else 'JCT'}"
    if kind == "duration":
        return duration(number)
    if kind == "usd":
        return f"${Decimal(number) / 100:,.2f}"
    return f"{number:,}"


@register.filter
def duration(seconds) -> str:
    seconds = int(seconds)
    parts: list[str] = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts[:2])


@register.filter
def time_left(ends_at: datetime | None) -> str:
    if ends_at is None:
        return ""
    remaining = int((ends_at - timezone.now()).total_seconds())
    return "ended" if remaining <= 0 else f"{duration(remaining)} left"


register.filter("tokens", tokens)  # the one implementation: jctgov.core.units


@register.filter
def share(part, whole) -> str:
    """part / whole as a CSS width percentage, clamped to [0, 100]."""
    try:
        whole = int(whole)
        return f"{min(100, max(0, int(part) * 100 / whole)) if whole else 0:.1f}"
    except (TypeError, ValueError):
        return "0"


@register.filter
def grace_deadline(proposal) -> datetime:
    """When a succeeded, unqueued proposal expires (governance.execution_grace_s after close)."""
    return domain.grace_deadline(proposal)


_RECEIPT_ROW = (
    '<tr><td class="address" title="{}">{}…{}</td>\n'
    "  <td>{}</td><td>{}</td><td>{}</td><td>{}</td>\n"
    '  <td class="muted" data-ts="{}">{}</td>\n'
    "  <td>{}</td></tr>\n"
)
_COUNTED = {
    True: mark_safe('<span class="ok">yes</span>'),
    False: mark_safe('<span class="muted">replaced</span>'),
}


def _delegated(vote) -> str:
    """A receipt's delegated veJCT and how many delegators it counts ("—" when none)."""
    if not vote.delegators:
        return "—"
    who = "delegator" if vote.delegators == 1 else "delegators"
    return format_html("{} ({} {})", tokens(vote.delegated_power), vote.delegators, who)


@register.simple_tag
def receipt_rows(receipts) -> str:
    """The receipts table's rows. Built in Python: a hundred rows through the template engine
    cost ~8 ms, and the table is re-rendered after every vote (bench/load.py)."""
    return format_html_join(
        "",
        _RECEIPT_ROW,
        (
            (
                v.voter,
                v.voter[:6],
                v.voter[-4:],
                v.get_choice_display(),
                tokens(v.power),
                _delegated(v),
                v.reason,
                v.timestamp,
                v.timestamp,
                _COUNTED[bool(v.counted)],
            )
            for v in receipts
        ),
    )
