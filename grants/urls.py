from django.urls import path
from django.views.generic import RedirectView

from grants import views

app_name = "grants"

urlpatterns = [
    path("", views.program_list, name="programs"),
    path("<int:program_id>/", views.program_detail, name="program"),
    path("<int:program_id>/apply/", views.apply, name="apply"),
    path("applications/", views.my_applications, name="mine"),
    path("applications/<int:application_id>/", views.application_detail, name="application"),
    path("applications/<int:application_id>/edit/", views.application_edit, name="edit"),
    path("reviews/", views.review_queue, name="review-queue"),
    # The steward console moved to /steward/ (proposals, grants and payouts on one page).
    path("steward/", RedirectView.as_view(url="/steward/#grants", permanent=True), name="steward"),
    path("recognitions/", views.recognitions, name="recognitions"),
]
