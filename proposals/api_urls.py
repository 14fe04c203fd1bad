from django.urls import path

from proposals.api import execution, proposals, votes

app_name = "proposals-api"

urlpatterns = [
    path("parameters", proposals.ParameterListApi.as_view(), name="parameters"),
    path("proposals", proposals.ProposalsApi.as_view(), name="proposals"),
    path(
        "proposals/validate-payload",
        proposals.PayloadValidateApi.as_view(),
        name="validate-payload",
    ),
    path("proposals/<int:proposal_id>", proposals.ProposalDetailApi.as_view(), name="detail"),
    path(
        "proposals/<int:proposal_id>/publish",
        proposals.ProposalPublishApi.as_view(),
        name="publish",
    ),
    path(
        "proposals/<int:proposal_id>/cancel", proposals.ProposalCancelApi.as_view(), name="cancel"
    ),
    path("proposals/<int:proposal_id>/typed-data", votes.TypedDataApi.as_view(), name="typed-data"),
    path("proposals/<int:proposal_id>/votes", votes.VotesApi.as_view(), name="votes"),
    path("proposals/<int:proposal_id>/power", votes.VotingPowerApi.as_view(), name="power"),
    path(
        "proposals/<int:proposal_id>/approval",
        execution.ProposalApprovalApi.as_view(),
        name="approval",
    ),
    path(
        "proposals/<int:proposal_id>/retry-execution",
        execution.ProposalRetryExecutionApi.as_view(),
        name="retry-execution",
    ),
]
