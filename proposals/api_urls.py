from django.urls import path

from proposals import api, api_execution

app_name = "proposals-api"

urlpatterns = [
    path("parameters", api.ParameterListApi.as_view(), name="parameters"),
    path("proposals", api.ProposalsApi.as_view(), name="proposals"),
    path("proposals/validate-payload", api.PayloadValidateApi.as_view(), name="validate-payload"),
    path("proposals/<int:proposal_id>", api.ProposalDetailApi.as_view(), name="detail"),
    path("proposals/<int:proposal_id>/publish", api.ProposalPublishApi.as_view(), name="publish"),
    path("proposals/<int:proposal_id>/cancel", api.ProposalCancelApi.as_view(), name="cancel"),
    path("proposals/<int:proposal_id>/typed-data", api.TypedDataApi.as_view(), name="typed-data"),
    path("proposals/<int:proposal_id>/votes", api.VotesApi.as_view(), name="votes"),
    path("proposals/<int:proposal_id>/power", api.VotingPowerApi.as_view(), name="power"),
    path(
        "proposals/<int:proposal_id>/approval",
        api_execution.ProposalApprovalApi.as_view(),
        name="approval",
    ),
    path(
        "proposals/<int:proposal_id>/retry-execution",
        api_execution.ProposalRetryExecutionApi.as_view(),
        name="retry-execution",
    ),
]
