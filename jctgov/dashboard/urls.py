from django.urls import path

from jctgov.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("steward/", views.steward_console, name="steward"),
]
