"""Responses kept per process for anonymous viewers (everyone, on results day), the
validators (ETag, Last-Modified) that let a client poll a board for the price of a 304, and
who else may keep a copy: a shared cache (deploy/nginx.conf) keeps an anonymous board for a
second; a signed-in viewer's copy is private. Every board response names when its board was
built (BUILT_AT_HEADER), so that anyone can see how fresh a copy is.

The key names the stored content a response shows (see selectors.view_version) plus the
path, so nothing goes stale: a rebuilt board has new page ids. The gzipped body is kept beside
the plain one, so browsers (which all accept gzip) get a sixth of the bytes without the server
compressing per request. Anonymous pages hold no secrets (no CSRF token), so compression is safe.
"""

import gzip
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

TIMEOUT = 300

# An anonymous board may be kept by any cache for SHARED_MAX_AGE seconds, then served for
# SHARED_STALE_SECONDS more while one request fetches the next copy (stale-while-revalidate;
# deploy/nginx.conf serves nothing staler). With the process's own LEADERBOARD_CACHE_SECONDS, a
# reader through nginx sees a new board at most about 2 s after it commits
# (bench/leaderboard.py --through-nginx).
SHARED_MAX_AGE = 1
SHARED_STALE_SECONDS = 1
# When the board a response shows was built: ISO 8601 in UTC to the microsecond
# (2030-06-01T12:00:00.123456Z). Absent when the response shows no stored board.
BUILT_AT_HEADER = "X-Board-Built-At"


def shared_with_everyone(request: HttpRequest) -> bool:
    """Whether this viewer's page is the one everyone gets: anonymous, with no message of their
    own waiting to be shown (a sign-out or "mail sent" notice would otherwise be kept in the
    shared copy and shown to every reader). Looking leaves the messages for the page."""
    if request.user.is_authenticated:
        return False
    waiting = messages.get_messages(request)
    has_messages = any(True for _ in waiting)
    waiting.used = False  # iterating marks them shown; this page still shows them
    return not has_messages


def not_modified(request: HttpRequest, *, version: str, modified_at: datetime | None,
                 built_at: datetime | None) -> HttpResponse | None:
    """A 304 (with its validators) when the client's copy, named by If-None-Match or
    If-Modified-Since, shows this version; None when the full answer must be sent."""
    answer = get_conditional_response(request, etag=_etag(version),
                                      last_modified=int(modified_at.timestamp()) if modified_at else None)
    if answer is None:
        return None
    return with_validators(answer, request=request, version=version, modified_at=modified_at, built_at=built_at)


def with_validators(response: HttpResponse, *, request: HttpRequest, version: str,
                    modified_at: datetime | None, built_at: datetime | None) -> HttpResponse:
    """Mark a board response with its ETag (exact) and Last-Modified (to the second), then as
    with_board_headers does."""
    response["ETag"] = _etag(version)
    if modified_at is not None:
        response["Last-Modified"] = http_date(modified_at.timestamp())
    return with_board_headers(response, request=request, built_at=built_at)


def with_board_headers(response: HttpResponse, *, request: HttpRequest, built_at: datetime | None) -> HttpResponse:
    """Name the board's build time, and say who may keep a copy: for an anonymous viewer, any
    cache, for a second (the same for everyone, and a board changes at most about once a
    second); for a signed-in viewer, who may see more than the public and whose page holds their
    name, only their own browser, checking back every time."""
    if built_at is not None:
        response[BUILT_AT_HEADER] = built_at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    if not shared_with_everyone(request):
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=SHARED_MAX_AGE,
                            stale_while_revalidate=SHARED_STALE_SECONDS)
        # nginx counts a copy's life in whole seconds, so max-age=1 keeps it 1 to 2 s there, and
        # a reader could then see a board built over 3 s before the newest. This nginx header,
        # read after Cache-Control (whose stale-while-revalidate it then keeps), ends the copy's
        # life with the current second instead: 0 to 1 s. nginx passes it to no client.
        response["X-Accel-Expires"] = f"@{int(time.time())}"
    return response


def _etag(version: str) -> str:
    # Weak: the gzipped and the plain body of one version are the same board.
    return f'W/"{hashlib.sha256(version.encode()).hexdigest()[:32]}"'


def cached_for_anonymous(request: HttpRequest, *, version: str, content_type: str,
                         build: Callable[[], bytes]) -> HttpResponse | None:
    """The response for an anonymous viewer, built once per process and version; None for a
    signed-in viewer (whose page shows their name and a CSRF token) or one with messages
    waiting, who is served as usual."""
    if not shared_with_everyone(request):
        return None
    wants_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    # The path, not the query string: the version already names what the query chose (track,
    # page), and junk parameters must not each get their own copy of the page.
    key = f"anonymous:{version}:{request.path}"
    body = cache.get(f"{key}:gzip" if wants_gzip else key)
    if body is None:
        plain = build()
        compressed = gzip.compress(plain, compresslevel=6, mtime=0)
        cache.set_many({key: plain, f"{key}:gzip": compressed}, timeout=TIMEOUT)
        body = compressed if wants_gzip else plain
    response = HttpResponse(body, content_type=content_type)
    if wants_gzip:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
