"""The API docs pages, offline and under the site's Content-Security-Policy.

ReDoc (/api/v1/docs) and Swagger UI (/api/v1/docs/swagger) load their bundles from
drf-spectacular-sidecar's static files (no CDN) and run no inline script: ReDoc starts from its
``<redoc spec-url>`` element, Swagger UI from drf-spectacular's split view (its settings script
is a second same-origin request). Both libraries inject ``<style>`` elements while rendering,
so these two pages alone add 'unsafe-inline' to style-src; script-src stays 'self'.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

_DOCS_CSP = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})


@method_decorator(_DOCS_CSP, name="get")
class RedocView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"


@method_decorator(_DOCS_CSP, name="get")
class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api_docs/swagger_ui.html"
