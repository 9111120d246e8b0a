"""Refuse oversized request bodies before anything reads them."""

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

from config.api_errors import error_body
from config.middleware import DATABASE_MESSAGE, unavailable_response
from submissions.selectors import upload_ceiling


class RequestBodyLimitMiddleware:
    """413 for a body larger than the largest upload the site accepts plus its form fields.

    Django caps form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams files of any size to
    disk; this stops a multi-gigabyte upload at its Content-Length header instead. The
    largest upload is the largest split's limit (or MAX_UPLOAD_BYTES when set: see
    submissions.selectors.upload_ceiling); organizer pages that take hosted data files
    allow DATA_FILE_MAX_UPLOAD_BYTES if that is more.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Only a file upload is larger than the form fields may be: only then is the limit worth a query.
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            try:
                limit = self.limit_for(request.path)
            except (OperationalError, InterfaceError):
                return unavailable_response(request, message=DATABASE_MESSAGE, retry_after=10)
            if length > limit:
                return self.too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def limit_for(path: str) -> int:
        largest = upload_ceiling()
        if path.startswith("/organize/"):
            largest = max(largest, settings.DATA_FILE_MAX_UPLOAD_BYTES)
        return largest + settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    @staticmethod
    def too_large(request, limit: int) -> HttpResponse:
        message = f"The request is larger than this site accepts ({limit:,} bytes at most). Nothing was stored."
        if request.path.startswith("/api/"):
            return JsonResponse(error_body([(None, message)], detail=message), status=413)
        body = f"<!doctype html><title>Too large</title><h1>Upload too large</h1><p>{escape(message)}</p>"
        return HttpResponse(body, status=413)
