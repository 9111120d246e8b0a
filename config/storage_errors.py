"""A clear 503 while private file storage (local disk or S3) is failing, never a traceback."""

import logging

from config.middleware import unavailable_response

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
        return unavailable_response(request, message=MESSAGE, retry_after=30)
