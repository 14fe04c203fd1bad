"""Atom feeds of published proposals and of results, all kinds or one kind
(``/feeds/proposals/``, ``/feeds/results/grant_budget/``), with Django's syndication framework."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed

from proposals.models import Proposal, ProposalKind

FEED_SIZE = 50


def _kinds() -> dict[str, str]:
    return dict(ProposalKind.choices)


class ProposalFeed(Feed):
    feed_type = Atom1Feed
    description_template = None

    def get_object(self, request, kind: str | None = None):
        if kind is not None and kind not in _kinds():
            raise Http404("No such proposal kind.")
        return kind

    def title(self, kind):
        return f"jctgov proposals: {_kinds()[kind].lower()}" if kind else "jctgov proposals"

    def link(self, kind):
        return "/proposals/"

    def subtitle(self, kind):
        return "Proposals as they are published for voting."

    def _queryset(self, kind):
        qs = Proposal.objects.filter(published_at__isnull=False).select_related("author")
        return qs.filter(kind=kind) if kind else qs

    def items(self, kind):
        return self._queryset(kind).order_by("-published_at", "-id")[:FEED_SIZE]

    def item_title(self, item):
        return f"#{item.pk} {item.title}"

    def item_description(self, item):
        return (
            f"{item.get_kind_display()} by {item.author.address}. Voting "
            f"{item.starts_at:%Y-%m-%d %H:%M} – {item.ends_at:%Y-%m-%d %H:%M} UTC. "
            f"{item.body[:500]}"
        )

    def item_link(self, item):
        return f"/proposals/{item.pk}/"

    def item_guid(self, item):
        return f"urn:jctgov:proposal:{item.uid or item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.author.address


class ResultFeed(ProposalFeed):
    def title(self, kind):
        return f"jctgov results: {_kinds()[kind].lower()}" if kind else "jctgov results"

    def subtitle(self, kind):
        return "Proposals as voting closes, with their result."

    def items(self, kind):
        return (
            self._queryset(kind)
            .filter(closed_at__isnull=False)
            .order_by("-closed_at", "-id")[:FEED_SIZE]
        )

    def item_description(self, item):
        from jctgov.notify.messages import jct

        return (
            f"{item.get_state_display()}. For {jct(item.for_power)}, against "
            f"{jct(item.against_power)}, abstain {jct(item.abstain_power)}."
        )

    def item_guid(self, item):
        return f"urn:jctgov:result:{item.uid or item.pk}"

    def item_pubdate(self, item):
        return item.closed_at
