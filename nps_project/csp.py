"""Content-Security-Policy for every page: scripts only from our own origin.

Plotly draws with inline styles, so style-src allows them; no inline script anywhere
(figures travel as JSON data blocks read by static/js/dashboard.js).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The API docs (Swagger UI) need an inline bootstrap script of drf-spectacular's.
        if self.policy and not request.path.startswith("/api/docs") and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
