from django.urls import path

from jctgov.core import views

urlpatterns = [
    path("signin/", views.signin, name="signin"),
    path("livez", views.livez, name="livez"),
    path("healthz", views.healthz, name="healthz"),
]
