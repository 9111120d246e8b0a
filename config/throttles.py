"""DRF's rate throttles, counted where every worker and host sees the same numbers.

DRF's own throttles keep their counts in the default cache, which is each process's memory
here (several gunicorn workers would each allow the full rate), and key anonymous callers by a
client-written X-Forwarded-For. These count in the database cache (CACHES["throttle"]) and key
callers by config.network.client_address. The HTML submit page uses the API's upload throttle.
"""

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from config.network import client_address


class SharedRateThrottle(SimpleRateThrottle):
    """A throttle of one scope (rates from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) per signed-in
    user, or per client address for anonymous callers."""

    scope = ""

    @property
    def cache(self):
        return caches["throttle"]

    def get_rate(self):
        # Read at each request, not once at import as DRF does, so that changed settings apply.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        return client_address(request)

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


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
