"""The API's error shape everywhere, and a bound on page sizes.

Views answer refusals as {"errors": [{"line", "message"}]} (the documented `Errors` schema);
DRF's own refusals (malformed JSON, authentication, throttling, 404) used {"detail": ...}.
This handler gives those the documented shape too and keeps "detail" for existing clients.
"""

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None or not isinstance(response.data, (dict, list)):
        return response
    data = response.data
    if isinstance(data, dict) and "errors" in data:
        return response
    response.data = {"errors": [{"line": None, "message": message} for message in _messages(data)], **(
        {"detail": data["detail"]} if isinstance(data, dict) and "detail" in data else {})}
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
