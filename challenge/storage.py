"""Private storage of files (ground truth, submissions, hosted data): stored under keys we generate,
with their SHA-256, read back in pieces. A leaf module: every area stores through it."""

from __future__ import annotations

import hashlib
import uuid

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_private_file(*, prefix: str, data: bytes | File, suffix: str = ".txt") -> tuple[str, str]:
    """Save bytes or a file under a key we generate (never a user's file name) and return (key, sha256).

    A file is read in chunks (hashed, then saved), never whole: the SHA-256 is of what is stored."""
    content = ContentFile(data) if isinstance(data, bytes) else data
    digest = hashlib.sha256()
    for chunk in content.chunks():
        digest.update(chunk)
    key = default_storage.save(f"{prefix}/{uuid.uuid4().hex}{suffix}", content)
    return key, digest.hexdigest()


def read_private_file(key: str) -> bytes:
    with default_storage.open(key, "rb") as handle:
        return handle.read()


def open_private_file(key: str) -> File:
    """A stored file opened for reading, to be streamed (a submission's file may be 300 MB)."""
    return default_storage.open(key, "rb")
