from django.urls import path

from jctgov.power import views

app_name = "power"

urlpatterns = [
    path("power/", views.lock_page, name="lock"),
]
