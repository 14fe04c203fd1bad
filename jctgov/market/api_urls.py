from django.urls import path

from jctgov.market import api

app_name = "market-api"

urlpatterns = [
    path("providers/me", api.ProviderMeApi.as_view(), name="provider-me"),
    path("providers/register", api.ProviderRegisterApi.as_view(), name="provider-register"),
    path(
        "providers/me/refresh-stake",
        api.ProviderRefreshStakeApi.as_view(),
        name="provider-refresh-stake",
    ),
    path("nodes", api.NodeListApi.as_view(), name="node-list"),
    path("nodes/register", api.NodeRegisterApi.as_view(), name="node-register"),
    path("heartbeats", api.HeartbeatApi.as_view(), name="heartbeat"),
    path("jobs", api.JobListApi.as_view(), name="job-list"),
    path("jobs/submit", api.JobSubmitApi.as_view(), name="job-submit"),
    path("jobs/<int:job_id>", api.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/cancel", api.JobCancelApi.as_view(), name="job-cancel"),
    path("leases", api.LeaseListApi.as_view(), name="lease-list"),
    path("leases/<int:lease_id>/start", api.LeaseStartApi.as_view(), name="lease-start"),
    path("leases/<int:lease_id>/complete", api.LeaseCompleteApi.as_view(), name="lease-complete"),
    path("leases/<int:lease_id>/fail", api.LeaseFailApi.as_view(), name="lease-fail"),
    path("leases/<int:lease_id>/confirm", api.LeaseConfirmApi.as_view(), name="lease-confirm"),
    path("leases/<int:lease_id>/dispute", api.LeaseDisputeApi.as_view(), name="lease-dispute"),
    path("quotes", api.QuoteApi.as_view(), name="quote"),
    path("summary", api.SummaryApi.as_view(), name="summary"),
    path("replay", api.ReplayPreviewApi.as_view(), name="replay"),
    path("replay/<str:key>", api.ReplayStatusApi.as_view(), name="replay-status"),
]
