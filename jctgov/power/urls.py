from django.urls import path

from jctgov.power import views

app_name = "power"

urlpatterns = [
    path("power/", views.lock_page, name="lock"),
    path("delegates/", views.delegates_directory_page, name="delegates"),
    path("delegates/<str:address>/", views.delegate_profile_page, name="delegate"),
]
