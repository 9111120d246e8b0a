"""The demo year shows the organizer features set up: data files, terms, the public commitment."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from challenge.accounts.roles import is_organizer
from challenge.competition.models import ChallengeYear
from challenge.competition.services import SHIPPED_ILSVRC2012
from challenge.datafiles.models import DataFile


@pytest.mark.django_db
def test_it_loads_the_demo_with_data_terms_and_commitment_twice_without_duplicates(client):
    for _ in range(2):
        call_command("load_demo", stdout=StringIO())
    year = ChallengeYear.objects.get(slug="demo")
    files = DataFile.objects.filter(year=year)
    assert files.count() == 3
    readme = files.get(filename="readme.txt")
    assert readme.size == (SHIPPED_ILSVRC2012 / "readme.txt").stat().st_size
    assert "non-commercial research" in year.terms_of_access
    assert year.tasks.get(slug="classification").splits.count() == 2

    from django.contrib.auth import get_user_model

    assert is_organizer(get_user_model().objects.get(username="organizer"))
    page = client.get(reverse("challenge:year-detail", args=["demo"])).content.decode()
    test_truth = year.tasks.get(slug="classification").splits.get(name="test").current_ground_truth
    assert test_truth.labels_sha256 in page
    data_page = client.get(reverse("datafiles:data-files", args=["demo"])).content.decode()
    assert readme.sha256 in data_page and "non-commercial research" in data_page
