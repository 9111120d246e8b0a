"""The site's one way of writing a moment, on every page and in every message a person reads:
"3 Dec 2030 14:00 UTC". Machines get ISO 8601 (the `datetime` attribute of <time>, the API)."""

from datetime import datetime, timezone

from django.utils import dateformat

MOMENT_FORMAT = "j M Y H:i"


def moment(value: datetime | str | None) -> str:
    """A moment as people read it on this site (always in UTC); "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{dateformat.format(value.astimezone(timezone.utc), MOMENT_FORMAT)} UTC"
