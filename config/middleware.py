"""Site-wide response policies: a clear 503 while the database is away, and the CSP header."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from config.api_errors import error_body

logger = logging.getLogger(__name__)

DATABASE_MESSAGE = ("The database is unavailable for a moment. Nothing you submitted before this is "
                    "lost. Please try again in a few seconds.")


def unavailable_response(request, *, message: str, retry_after: int) -> HttpResponse:
    """A 503 that says what is wrong in words, as JSON under /api/ and as a page elsewhere.

    The page's template needs neither the database nor the static-files manifest, so it
    renders while either is the thing that is broken."""
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body([(None, message)]), status=503)
    else:
        body = render_to_string("503.html", {"SITE_NAME": settings.SITE_NAME, "message": message})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(retry_after)
    return response


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
        logger.error("database unavailable during %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request, message=DATABASE_MESSAGE, retry_after=10)


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


class RejectNulCharactersMiddleware:
    """Answer 400 to a query string or path holding a NUL character.

    No legitimate URL has one, and PostgreSQL refuses NUL in text, so a parameter that reaches
    a query filter (?year=, ?q=) would otherwise turn a typo or a fuzzer into a 500. Form and
    serializer fields already refuse NUL on their own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in value for value in request.GET.values()):
            message = "The address contains a NUL character."
            if request.path.startswith("/api/"):
                return JsonResponse(error_body([(None, message)]), status=400)
            return HttpResponse(message, status=400, content_type="text/plain")
        return self.get_response(request)
