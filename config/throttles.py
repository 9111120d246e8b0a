"""DRF's rate throttles, counted where every worker and host sees the same numbers.

DRF's own throttles keep their counts in the default cache, which is each process's memory
here (several gunicorn workers would each allow the full rate), read and write them back in
two steps (simultaneous requests all see the same count), and key anonymous callers by a
client-written X-Forwarded-For. These count with challenge.accounts.rates (one atomic statement per
request, in the database) and key callers by config.network.client_address: a signed-in
person by their account, whatever address they come from; anyone else by the address. The
HTML submit page uses the API's upload throttle.
"""

from datetime import timedelta

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from challenge.accounts import rates
from config.network import client_address

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, timedelta]:
    """"10/min" -> (10, one minute), as DRF writes rates (the period's first letter counts)."""
    number, period = rate.split("/")
    return int(number), timedelta(seconds=PERIODS[period[0]])


class SharedRateThrottle(BaseThrottle):
    """A throttle of one scope (rates from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) per signed-in
    user, or per client address for anonymous callers."""

    scope = ""

    def __init__(self):
        self.retry_after: float | None = None

    def key(self, request) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"throttle:{self.scope}:user:{user.pk}"
        return f"throttle:{self.scope}:address:{client_address(request)}"

    def allow_request(self, request, view) -> bool:
        # The rate is read at each request, not once at import as DRF does, so that changed settings apply.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if rate is None:
            return True
        limit, window = parse_rate(rate)
        decision = rates.hit(key=self.key(request), limit=limit, window=window)
        self.retry_after = None if decision.allowed else decision.retry_after
        return decision.allowed

    def wait(self) -> float | None:
        return self.retry_after


class TokenThrottle(SharedRateThrottle):
    scope = "token"


class UploadThrottle(SharedRateThrottle):
    scope = "submission"


def upload_wait(request) -> int | None:
    """For the HTML submit page: None if this upload may go ahead, else the seconds to wait.
    Counts against the same budget as the API's uploads."""
    throttle = UploadThrottle()
    if throttle.allow_request(request, None):
        return None
    return max(int(throttle.wait() or 1), 1)
