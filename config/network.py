"""Who is asking: the client's address, by one rule for the sign-in brake and every throttle."""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The client's IP address: the connection's (REMOTE_ADDR), unless TRUSTED_PROXIES says how
    many reverse proxies of ours stand in front of the site. Each appends the address it was
    reached from to X-Forwarded-For, so the entry that many places from the end is the one our
    outermost proxy saw; everything before it was written by the client and proves nothing.
    A missing or malformed entry falls back to REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR") or ""
    candidates = [remote]
    if settings.TRUSTED_PROXIES > 0:
        forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [entry for entry in forwarded if entry]
        if forwarded:
            candidates.insert(0, forwarded[-min(settings.TRUSTED_PROXIES, len(forwarded))])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return "0.0.0.0"
