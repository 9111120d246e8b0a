"""A clear 503 while private file storage (local disk or S3) is failing, never a traceback."""

import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

logger = logging.getLogger(__name__)

try:  # S3 in production; absent from a local-disk install
    from botocore.exceptions import BotoCoreError, ClientError

    STORAGE_ERRORS: tuple[type[Exception], ...] = (OSError, BotoCoreError, ClientError)
except ImportError:  # pragma: no cover
    STORAGE_ERRORS = (OSError,)

MESSAGE = ("File storage is unavailable for a moment. Nothing was stored and nothing was counted "
           "against your quota; please try again in a minute.")


class StorageUnavailableMiddleware:
    """Answer 503 (JSON under /api/) when a view fails on storage I/O.

    The services store files inside the transaction that records them, so an exception
    here has already rolled everything back: the visitor can simply retry.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, STORAGE_ERRORS):
            return None
        # The message may name a storage key; it goes to the log, never to the visitor.
        logger.error("storage unavailable during %s %s: %r", request.method, request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse({"errors": [{"line": None, "message": MESSAGE}]}, status=503)
        else:
            body = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Temporarily unavailable"
                    f"</title></head><body><h1>Temporarily unavailable</h1><p>{escape(MESSAGE)}</p>"
                    f"<p>{escape(settings.SITE_NAME)}</p></body></html>")
            response = HttpResponse(body, status=503)
        response["Retry-After"] = "30"
        return response
