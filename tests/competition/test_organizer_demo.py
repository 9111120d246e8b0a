"""The demo year shows the organizer features set up: data files, terms, the public commitment."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
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


@pytest.mark.django_db
def test_organizer_password_works_on_a_later_start_and_changes_only_when_it_differs(monkeypatch):
    from rest_framework.authtoken.models import Token

    from challenge.competition.management.commands.load_demo import Command

    def start() -> str:
        out = StringIO()
        Command(stdout=out).organizer()
        return out.getvalue()

    monkeypatch.delenv("ORGANIZER_PASSWORD", raising=False)
    printed = start()
    assert "password '" in printed and "ORGANIZER_PASSWORD" in printed and "changepassword organizer" in printed
    organizer = get_user_model().objects.get(username="organizer")
    token = Token.objects.create(user=organizer).key

    monkeypatch.setenv("ORGANIZER_PASSWORD", "a chosen password 1")
    assert "set from ORGANIZER_PASSWORD" in start()
    organizer.refresh_from_db()
    assert organizer.check_password("a chosen password 1")
    assert not Token.objects.filter(key=token).exists()  # a new password replaces the API token
    stored = organizer.password
    assert start() == ""  # the same password again: nothing changes
    organizer.refresh_from_db()
    assert organizer.password == stored


def test_the_run_command_says_how_to_set_or_reset_the_organizer_password():
    from pathlib import Path

    run = (Path(__file__).resolve().parents[2] / "scripts" / "run").read_text()
    assert "ORGANIZER_PASSWORD" in run and "manage.py changepassword organizer" in run
