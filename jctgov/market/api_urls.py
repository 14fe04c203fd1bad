from django.urls import path

from jctgov.market.api import jobs, leases, providers, replay, summary

app_name = "market-api"

urlpatterns = [
    path("providers/me", providers.ProviderMeApi.as_view(), name="provider-me"),
    path("providers/register", providers.ProviderRegisterApi.as_view(), name="provider-register"),
    path(
        "providers/me/refresh-stake",
        providers.ProviderRefreshStakeApi.as_view(),
        name="provider-refresh-stake",
    ),
    path("nodes", providers.NodeListApi.as_view(), name="node-list"),
    path("nodes/register", providers.NodeRegisterApi.as_view(), name="node-register"),
    path("heartbeats", providers.HeartbeatApi.as_view(), name="heartbeat"),
    path("jobs", jobs.JobListApi.as_view(), name="job-list"),
    path("jobs/submit", jobs.JobSubmitApi.as_view(), name="job-submit"),
    path("jobs/<int:job_id>", jobs.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/cancel", jobs.JobCancelApi.as_view(), name="job-cancel"),
    path("leases", leases.LeaseListApi.as_view(), name="lease-list"),
    path("leases/<int:lease_id>/start", leases.LeaseStartApi.as_view(), name="lease-start"),
    path(
        "leases/<int:lease_id>/complete", leases.LeaseCompleteApi.as_view(), name="lease-complete"
    ),
    path("leases/<int:lease_id>/fail", leases.LeaseFailApi.as_view(), name="lease-fail"),
    path("leases/<int:lease_id>/confirm", leases.LeaseConfirmApi.as_view(), name="lease-confirm"),
    path("leases/<int:lease_id>/dispute", leases.LeaseDisputeApi.as_view(), name="lease-dispute"),
    path("quotes", summary.QuoteApi.as_view(), name="quote"),
    path("summary", summary.SummaryApi.as_view(), name="summary"),
    path("replay", replay.ReplayPreviewApi.as_view(), name="replay"),
    path("replay/<str:key>", replay.ReplayStatusApi.as_view(), name="replay-status"),
]
