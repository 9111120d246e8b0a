"""Responses kept per process for anonymous viewers (everyone, on results day).

The key names the stored content a response shows (see selectors.view_version) plus the
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
