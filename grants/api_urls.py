from django.urls import path

from grants.api import applications, milestones, programs, recognitions

app_name = "grants-api"

urlpatterns = [
    path("programs", programs.ProgramListApi.as_view(), name="programs"),
    path("programs/<int:program_id>", programs.ProgramDetailApi.as_view(), name="program"),
    path(
        "programs/<int:program_id>/export.csv", programs.ProgramExportApi.as_view(), name="export"
    ),
    path(
        "programs/<int:program_id>/applications",
        applications.ProgramApplicationsApi.as_view(),
        name="program-applications",
    ),
    path("applications", applications.MyApplicationsApi.as_view(), name="my-applications"),
    path(
        "applications/<int:application_id>",
        applications.ApplicationDetailApi.as_view(),
        name="application",
    ),
    path(
        "applications/<int:application_id>/submit",
        applications.ApplicationSubmitApi.as_view(),
        name="submit",
    ),
    path(
        "applications/<int:application_id>/withdraw",
        applications.ApplicationWithdrawApi.as_view(),
        name="withdraw",
    ),
    path(
        "applications/<int:application_id>/decide",
        applications.ApplicationDecideApi.as_view(),
        name="decide",
    ),
    path(
        "applications/<int:application_id>/reviews",
        applications.ApplicationReviewsApi.as_view(),
        name="reviews",
    ),
    path("reviews/queue", applications.ReviewQueueApi.as_view(), name="review-queue"),
    path(
        "milestones/<int:milestone_id>/report",
        milestones.MilestoneReportApi.as_view(),
        name="report",
    ),
    path(
        "milestones/<int:milestone_id>/accept",
        milestones.MilestoneAcceptApi.as_view(),
        name="accept",
    ),
    path(
        "milestones/<int:milestone_id>/retry", milestones.MilestoneRetryApi.as_view(), name="retry"
    ),
    path("recognitions", recognitions.RecognitionListApi.as_view(), name="recognitions"),
]
