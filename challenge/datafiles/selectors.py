"""Reads of a year's hosted data and of who accepted its terms."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from challenge.competition import selectors as competition_selectors
from challenge.competition.models import ChallengeYear
from challenge.datafiles.models import DataFile, TermsAcceptance, hosted_key_refusal


def data_files_of(*, year: ChallengeYear):
    return year.data_files.all()


def has_accepted_terms(*, user, year: ChallengeYear) -> bool:
    """Whether this viewer accepted the year's terms of access (anonymous visitors never have)."""
    return user.is_authenticated and TermsAcceptance.objects.filter(user=user, year=year).exists()


def data_file_of(*, year: ChallengeYear, pk: int) -> DataFile:
    return get_object_or_404(DataFile, year=year, pk=pk)


def downloadable_data_file(*, year: ChallengeYear, pk: int) -> DataFile:
    """A data file that may be served: 404 for one whose key is not a hosted data file's (a row
    written outside the organizer pages and the admin, which refuse it) or whose SHA-256 is hidden
    ground truth's (ground truth uploaded after the file, with the same bytes)."""
    data_file = data_file_of(year=year, pk=pk)
    if hosted_key_refusal(data_file.storage_key) or competition_selectors.secret_ground_truth_with(
            sha256=data_file.sha256):
        raise Http404("No such data file.")
    return data_file
