from django.urls import path
from django.views.generic import RedirectView

from proposals import feeds, views

app_name = "proposals"

urlpatterns = [
    path("parameters/", views.parameter_list, name="parameters"),
    path("parameters/<str:key>/", views.parameter_detail, name="parameter"),
    path("proposals/", views.proposal_list, name="list"),
    path("proposals/new/", views.proposal_form, name="new"),
    # The steward console moved to /steward/ (proposals, grants and payouts on one page).
    path(
        "proposals/steward/",
        RedirectView.as_view(url="/steward/#proposals", permanent=True),
        name="steward",
    ),
    path("proposals/executions/", views.executions, name="executions"),
    path("proposals/<int:proposal_id>/", views.proposal_detail, name="detail"),
    path("proposals/<int:proposal_id>/edit/", views.proposal_form, name="edit"),
    path("feeds/proposals/", feeds.ProposalFeed(), name="feed-proposals"),
    path("feeds/proposals/<slug:kind>/", feeds.ProposalFeed(), name="feed-proposals-kind"),
    path("feeds/results/", feeds.ResultFeed(), name="feed-results"),
    path("feeds/results/<slug:kind>/", feeds.ResultFeed(), name="feed-results-kind"),
]
