"""Reads of a year's hosted data and of who accepted its terms."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from challenge.competition.models import ChallengeYear
from challenge.datafiles.models import DataFile, TermsAcceptance


def data_files_of(*, year: ChallengeYear):
    return year.data_files.all()


def has_accepted_terms(*, user, year: ChallengeYear) -> bool:
    """Whether this viewer accepted the year's terms of access (anonymous visitors never have)."""
    return user.is_authenticated and TermsAcceptance.objects.filter(user=user, year=year).exists()


def data_file_of(*, year: ChallengeYear, pk: int) -> DataFile:
    return get_object_or_404(DataFile, year=year, pk=pk)
