"""Refuse oversized request bodies before anything reads them."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

from config.api_errors import error_body


class RequestBodyLimitMiddleware:
    """413 for a body larger than the largest upload the site accepts plus its form fields.

    Django caps form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams files of any size to
    disk; this stops a multi-gigabyte upload at its Content-Length header instead. Organizer
    pages that take hosted data files allow DATA_FILE_MAX_UPLOAD_BYTES.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = self.limit_for(request.path)
        if length > limit:
            return self.too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def limit_for(path: str) -> int:
        largest = settings.DATA_FILE_MAX_UPLOAD_BYTES if path.startswith("/organize/") else settings.MAX_UPLOAD_BYTES
        return largest + settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    @staticmethod
    def too_large(request, limit: int) -> HttpResponse:
        message = f"The request is larger than this site accepts ({limit:,} bytes at most). Nothing was stored."
        if request.path.startswith("/api/"):
            return JsonResponse(error_body([(None, message)], detail=message), status=413)
        body = f"<!doctype html><title>Too large</title><h1>Upload too large</h1><p>{escape(message)}</p>"
        return HttpResponse(body, status=413)
