from django.urls import path

from jctgov.market import views

app_name = "market"

urlpatterns = [
    path("", views.market_home, name="home"),
    path("provider/", views.provider_dashboard, name="provider"),
    path("jobs/new", views.job_new, name="job-new"),
    path("jobs/<int:job_id>", views.job_detail, name="job-detail"),
]
