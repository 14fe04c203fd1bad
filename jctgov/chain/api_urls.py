from django.urls import path

from jctgov.chain import api

app_name = "chain-api"

urlpatterns = [
    path("chain/operations/<int:operation_id>", api.OperationApi.as_view(), name="operation"),
    path(
        "chain/operations/<int:operation_id>/signatures",
        api.OperationSignaturesApi.as_view(),
        name="operation-signatures",
    ),
]
