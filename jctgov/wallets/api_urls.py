from django.urls import path

from jctgov.wallets import api

urlpatterns = [
    path("nonce", api.NonceApi.as_view(), name="auth-nonce"),
    path("login", api.LoginApi.as_view(), name="auth-login"),
    path("me", api.MeApi.as_view(), name="auth-me"),
    path("logout", api.LogoutApi.as_view(), name="auth-logout"),
]
