"""Site-wide response policies: a clear 503 while the database is away, and the CSP header."""

import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.template.loader import render_to_string
from django.http import HttpResponse

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 with a plain page (never a traceback) when the database cannot be reached.

    Only connection-level failures are caught: a bug that raises another DatabaseError
    still surfaces as a 500 in the logs, where someone will see it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if isinstance(exception, DatabaseError) and "locked" in str(exception):
            logger.warning("database busy: %s", exception)
        else:
            logger.error("database unavailable: %s", exception)
        body = render_to_string("503.html", {"SITE_NAME": settings.SITE_NAME})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "10"
        return response


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The browsable API and the schema docs ship their own inline code; they get no CSP
        # rather than a weakened site-wide one.
        if settings.CONTENT_SECURITY_POLICY and not request.path.startswith(("/api/docs", "/admin/")):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
