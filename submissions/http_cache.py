"""Responses kept per process for anonymous viewers (everyone, on results day).

The key names the stored content a response shows (see leaderboard.view_version) plus the full
path, so nothing goes stale: a rebuilt board has new page ids. The gzipped body is kept beside
the plain one, so browsers (which all accept gzip) get a sixth of the bytes without the server
compressing per request. Anonymous pages hold no secrets (no CSRF token), so compression is safe.
"""

import gzip
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

TIMEOUT = 300


def cached_for_anonymous(request: HttpRequest, *, version: str, content_type: str,
                         build: Callable[[], bytes]) -> HttpResponse | None:
    """The response for an anonymous viewer, built once per process and version; None for a
    signed-in viewer (whose page shows their name and a CSRF token), who is served as usual."""
    if request.user.is_authenticated:
        return None
    key = f"anonymous:{version}:{request.get_full_path()}"
    stored = cache.get(key)
    if stored is None:
        body = build()
        stored = (body, gzip.compress(body, compresslevel=6, mtime=0))
        cache.set(key, stored, timeout=TIMEOUT)
    body, compressed = stored
    wants_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(compressed if wants_gzip else body, content_type=content_type)
    if wants_gzip:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
