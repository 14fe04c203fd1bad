"""Display helpers for proposal pages: parameter values by kind, time left, shares."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django import template
from django.conf import settings
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
# The same figure as plain text, for attributes (aria-label, title) where markup can't go.
register.filter("tokens_text", lambda wei: "—" if wei in (None, "") else format_tokens(wei))


@register.filter
def add_tokens(own, delegated) -> str:
    """A counted vote's weight, own + delegated veJCT, exactly, then formatted."""
    return tokens(int(own or 0) + int(delegated or 0))


@register.filter
def local_time(value: datetime | None) -> str:
    """A moment as ``<time>``: UTC text and title from the server, which
    static/js/localtime.js rewrites in the reader's time zone (the title keeps UTC)."""
    if value is None:
        return "—"
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%d %H:%M UTC")
    return format_html(
        '<time datetime="{}" title="{}" data-local>{}</time>',
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        text,
        text,
    )


def _explorer(path: str, label: str) -> str:
    """A link to the block explorer (CHAIN_EXPLORER_URL) when one is configured, else the
    value as code; a dev chain has no explorer."""
    base = getattr(settings, "CHAIN_EXPLORER_URL", "").rstrip("/")
    if not base:
        return format_html("<code>{}</code>", label)
    return format_html(
        '<a href="{}/{}" rel="noopener noreferrer"><code>{}</code></a>', base, path, label
    )


@register.filter
def tx_link(tx_hash: str | None) -> str:
    return _explorer(f"tx/{tx_hash}", tx_hash) if tx_hash else "—"


@register.filter
def block_link(number: int | None) -> str:
    return _explorer(f"block/{number}", str(number)) if number is not None else "—"


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


# data-label: each cell's column, shown when the table stacks on a phone (static/css/app.css).
_RECEIPT_ROW = (
    '<tr><td data-label="Voter" class="address" title="{}">{}…{}</td>\n'
    '  <td data-label="Choice">{}</td><td data-label="veJCT">{}</td>'
    '<td data-label="Delegated veJCT">{}</td><td data-label="Reason" class="stack-block">{}</td>\n'
    '  <td data-label="Signed at" class="muted" data-ts="{}">{}</td>\n'
    '  <td data-label="Counted">{}</td></tr>\n'
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
