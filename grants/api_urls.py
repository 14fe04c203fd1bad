from django.urls import path

from grants import api

app_name = "grants-api"

urlpatterns = [
    path("programs", api.ProgramListApi.as_view(), name="programs"),
    path("programs/<int:program_id>", api.ProgramDetailApi.as_view(), name="program"),
    path("programs/<int:program_id>/export.csv", api.ProgramExportApi.as_view(), name="export"),
    path(
        "programs/<int:program_id>/applications",
        api.ProgramApplicationsApi.as_view(),
        name="program-applications",
    ),
    path("applications", api.MyApplicationsApi.as_view(), name="my-applications"),
    path(
        "applications/<int:application_id>", api.ApplicationDetailApi.as_view(), name="application"
    ),
    path(
        "applications/<int:application_id>/submit",
        api.ApplicationSubmitApi.as_view(),
        name="submit",
    ),
    path(
        "applications/<int:application_id>/withdraw",
        api.ApplicationWithdrawApi.as_view(),
        name="withdraw",
    ),
    path(
        "applications/<int:application_id>/decide",
        api.ApplicationDecideApi.as_view(),
        name="decide",
    ),
    path(
        "applications/<int:application_id>/reviews",
        api.ApplicationReviewsApi.as_view(),
        name="reviews",
    ),
    path("reviews/queue", api.ReviewQueueApi.as_view(), name="review-queue"),
    path("milestones/<int:milestone_id>/report", api.MilestoneReportApi.as_view(), name="report"),
    path("milestones/<int:milestone_id>/accept", api.MilestoneAcceptApi.as_view(), name="accept"),
    path("milestones/<int:milestone_id>/retry", api.MilestoneRetryApi.as_view(), name="retry"),
    path("recognitions", api.RecognitionListApi.as_view(), name="recognitions"),
]
