from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from jctgov.core.admin_login import admin_login
from jctgov.core.apidocs import RedocView, SwaggerView

urlpatterns = [
    path("admin/login/", admin_login, name="admin-login"),  # rate-limited, then the admin's own
    path("admin/", admin.site.urls),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs", RedocView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/docs/swagger", SwaggerView.as_view(url_name="schema"), name="api-docs-swagger"),
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True)),
    path("api/v1/auth/", include("jctgov.wallets.api_urls")),
    path("api/v1/", include("jctgov.chain.api_urls")),
    path("api/v1/", include("jctgov.power.api_urls")),
    path("api/v1/", include("proposals.api_urls")),
    path("api/v1/", include("jctgov.delegates.api_urls")),
    path("api/v1/market/", include("jctgov.market.api_urls")),
    path("api/v1/grants/", include("grants.api_urls")),
    path("api/v1/notifications/", include("jctgov.notify.api_urls")),
    path("market/", include("jctgov.market.urls")),
    path("grants/", include("grants.urls")),
    path("", include("jctgov.core.urls")),
    path("", include("jctgov.dashboard.urls")),
    path("", include("jctgov.notify.urls")),
    path("", include("jctgov.power.urls")),
    path("", include("proposals.urls")),
]

handler404 = "jctgov.core.views.not_found"
handler500 = "jctgov.core.views.server_error"
