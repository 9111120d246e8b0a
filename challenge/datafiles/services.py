"""Writes of a year's hosted data: files uploaded or registered by organizers (stored privately
with their SHA-256, audited), removed, and each person's acceptance of the terms of access."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.core.files.storage import default_storage

from challenge.audit.services import record_audit
from challenge.competition import selectors as competition_selectors
from challenge.competition.models import ChallengeYear
from challenge.datafiles.models import DATA_PREFIX, DataFile, TermsAcceptance, hosted_key_refusal


def accept_terms(*, user, year: ChallengeYear) -> TermsAcceptance:
    """Record that a user accepted a year's terms of access (the first time counts)."""
    acceptance, _ = TermsAcceptance.objects.get_or_create(user=user, year=year)
    return acceptance


HASH_CHUNK = 1024 * 1024


def _hash_stored(key: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with default_storage.open(key, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def refuse_secret_copy(sha256: str) -> None:
    """Raise ValueError when a file with this SHA-256 is one of hidden ground truth's (any split,
    any version; labels, boxes or blacklist): a hosted file reaches every team that accepts the
    terms. Published validation labels may be hosted."""
    found = competition_selectors.secret_ground_truth_with(sha256=sha256)
    if found is not None:
        version, part = found
        raise ValueError(f"This file is identical to the hidden ground truth of {version.split} ({part}); hosted "
                         "files reach every team that accepts the terms, so it was not added.")


def stored_data_file(*, storage_key: str) -> tuple[str, int, str]:
    """A storage key checked as a hosted data file's, with the stored file's size and SHA-256:
    (key, size, sha256). The one guard of every way a data file's key is set (the organizers'
    registration and the Django admin).

    Raises ValueError for a key outside DATA_PREFIX (ground truth and submission files are never
    hosted), a missing object, a folder, or a file identical to hidden ground truth.
    """
    key = storage_key.strip().lstrip("/")
    if refusal := hosted_key_refusal(key):
        raise ValueError(refusal)
    folder = ValueError("That storage key names a folder; register each file in it by its own key.")
    if key.endswith("/"):
        raise folder
    if not default_storage.exists(key):
        raise ValueError("No file with that storage key exists.")
    try:
        size, sha256 = _hash_stored(key)
    except IsADirectoryError:  # local disk; an OSError that is the organizer's, not the storage's
        raise folder from None
    refuse_secret_copy(sha256)
    return key, size, sha256


def add_data_file(*, user, year: ChallengeYear, upload, title: str, description: str = "") -> DataFile:
    """Store an uploaded file under a key we generate and record its size and SHA-256.

    The caller has checked the size limit. Raises ValueError when the year already has a
    file of that name, or when the file is identical to hidden ground truth (nothing is kept).
    """
    filename = Path(upload.name).name[:255] or "download"
    _check_filename_free(year, filename)
    key = default_storage.save(f"{DATA_PREFIX}uploads/{year.pk}/{uuid.uuid4().hex}", upload)
    size, sha256 = _hash_stored(key)
    try:
        refuse_secret_copy(sha256)
    except ValueError:
        default_storage.delete(key)
        raise
    return _record_data_file(user=user, year=year, key=key, size=size, sha256=sha256, title=title,
                             description=description, filename=filename, action="datafile.upload")


def register_data_file(*, user, year: ChallengeYear, storage_key: str, title: str, description: str = "",
                       filename: str = "") -> DataFile:
    """Register a file already in storage (a large archive put in the bucket) by its key.

    Only keys under DATA_PREFIX may be registered, so that ground truth and submission files
    can never be published this way. Size and SHA-256 are computed by reading the file.
    Raises ValueError for a key outside DATA_PREFIX, a missing object, a folder, a file identical
    to hidden ground truth or a duplicate name.
    """
    key = storage_key.strip().lstrip("/")
    if refusal := hosted_key_refusal(key):
        raise ValueError(refusal)
    filename = (filename or Path(key).name)[:255]
    _check_filename_free(year, filename)  # before the file is read: hashing an archive takes a while
    key, size, sha256 = stored_data_file(storage_key=key)
    return _record_data_file(user=user, year=year, key=key, size=size, sha256=sha256, title=title,
                             description=description, filename=filename, action="datafile.register")


def _check_filename_free(year: ChallengeYear, filename: str) -> None:
    # Before anything is stored, so that a refused upload leaves no orphan object behind.
    if year.data_files.filter(filename=filename).exists():
        raise ValueError(f"This year already has a file named {filename}.")


def _record_data_file(*, user, year, key, size, sha256, title, description, filename, action) -> DataFile:
    position = year.data_files.count()
    data_file = DataFile.objects.create(
        year=year, title=title, description=description, filename=filename, storage_key=key, size=size,
        sha256=sha256, position=position, created_by=user,
    )
    record_audit(actor=user, action=action, target=filename, year=year, obj=data_file, size=size, sha256=sha256)
    return data_file


def remove_data_file(*, user, data_file: DataFile) -> None:
    """Unlist a data file; a file we uploaded is deleted once no year lists it (a copied year
    lists the same files), a registered bucket object is kept."""
    shared = DataFile.objects.filter(storage_key=data_file.storage_key).exclude(pk=data_file.pk).exists()
    if data_file.storage_key.startswith(f"{DATA_PREFIX}uploads/") and not shared:
        default_storage.delete(data_file.storage_key)
    record_audit(actor=user, action="datafile.remove", target=data_file.filename, year=data_file.year,
                 obj=data_file, sha256=data_file.sha256)
    data_file.delete()
