from django.urls import path

from jctgov.power import api

app_name = "power-api"

urlpatterns = [
    path("power/<str:address>", api.HolderPowerApi.as_view(), name="holder-power"),
    path("markdown-preview", api.MarkdownPreviewApi.as_view(), name="markdown-preview"),
]
