"""The API's error shape everywhere, and a bound on page sizes.

Views answer refusals as {"errors": [{"line", "message"}]} (the documented `Errors` schema);
DRF's own refusals (malformed JSON, authentication, throttling, 404) used {"detail": ...}.
This handler gives those the documented shape too and keeps "detail" for existing clients.
"""

from collections.abc import Iterable

from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import exception_handler


def error_body(errors: Iterable[tuple[int | None, str]], **extra) -> dict:
    """The documented error shape: {"errors": [{"line", "message"}], ...extra}; `errors` are
    (line or None, message) pairs. Every JSON refusal of the site is built here."""
    return {"errors": [{"line": line, "message": message} for line, message in errors], **extra}


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None or not isinstance(response.data, (dict, list)):
        return response
    data = response.data
    if isinstance(data, dict) and "errors" in data:
        return response
    detail = {"detail": data["detail"]} if isinstance(data, dict) and "detail" in data else {}
    response.data = error_body(((None, message) for message in _messages(data)), **detail)
    return response


def _messages(data, field: str = "") -> list[str]:
    if isinstance(data, dict):
        return [message for key, value in data.items()
                for message in _messages(value, "" if key in ("detail", "non_field_errors") else key)]
    if isinstance(data, list):
        return [message for item in data for message in _messages(item, field)]
    return [f"{field}: {data}" if field else str(data)]


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    # Without a bound, ?limit=10**22 reaches PostgreSQL as an out-of-range LIMIT: a 500.
    max_limit = 1000


class ErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    """The documented error body, for the API schema (see error_body)."""

    errors = ErrorSerializer(many=True)
    next_slot_at = serializers.DateTimeField(required=False, allow_null=True)
