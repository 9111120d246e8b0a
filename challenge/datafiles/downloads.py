"""Serving hosted data files: streamed with HTTP Range on local disk, a presigned URL on S3."""

import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from challenge.datafiles.models import DataFile

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def stored_on_s3() -> bool:
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # django-storages without boto3: local storage only
        return False
    return isinstance(default_storage, S3Storage)


def data_file_response(request, data_file: DataFile) -> HttpResponse:
    """The response that delivers a data file to a viewer who may download it."""
    if stored_on_s3():
        return HttpResponseRedirect(presigned_url(data_file))
    return ranged_response(request, data_file)


def presigned_url(data_file: DataFile) -> str:
    """A short-lived URL straight to the bucket, so large archives never pass through the site."""
    expire = settings.DATA_FILE_URL_SECONDS
    disposition = content_disposition_header(True, data_file.filename)
    return default_storage.url(data_file.storage_key, parameters={"ResponseContentDisposition": disposition},
                               expire=expire)


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(first, last) byte of a single satisfiable range; None to send the whole file (no header,
    a malformed one, or several ranges); "unsatisfiable" for a range outside the file."""
    match = _RANGE.match(header.strip()) if header else None
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # a suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    first = int(first)
    last = size - 1 if last == "" else min(int(last), size - 1)
    if first >= size or last < first:
        return "unsatisfiable"
    return first, last


def ranged_response(request, data_file: DataFile) -> HttpResponse:
    size, etag = data_file.size, f'"{data_file.sha256}"'
    if_range = request.headers.get("If-Range")
    wanted = parse_range(request.headers.get("Range", ""), size) if not if_range or if_range == etag else None
    if wanted == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    first, last = wanted or (0, size - 1)
    response = StreamingHttpResponse(_read(data_file.storage_key, first, last - first + 1),
                                     status=206 if wanted else 200, content_type="application/octet-stream")
    if wanted:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(max(0, last - first + 1))
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Content-Disposition"] = content_disposition_header(True, data_file.filename)
    response["Cache-Control"] = "private, no-transform"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _read(key: str, offset: int, length: int):
    with default_storage.open(key, "rb") as handle:
        handle.seek(offset)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
