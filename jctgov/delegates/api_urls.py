from django.urls import path

from jctgov.delegates import api

app_name = "delegates-api"

urlpatterns = [
    path("delegates", api.DelegatesApi.as_view(), name="list"),
    path("delegates/me/statement", api.StatementApi.as_view(), name="statement"),
    path("delegates/<str:address>", api.DelegateDetailApi.as_view(), name="detail"),
]
