"""Years, token, teams, the OpenAPI schema and its self-hosted docs page."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from challenge.competition.models import ChallengeYear
from challenge.teams.models import Membership, Team
from tests.base import PASSWORD, make_user, make_year

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def test_it_lists_published_years_only(world):
    make_year("y2099", status=ChallengeYear.Status.DRAFT)
    slugs = [row["slug"] for row in APIClient().get("/api/years/").json()["results"]]
    assert slugs == ["y2030"]


def test_a_year_has_its_tasks_and_splits_and_no_ground_truth(world):
    body = APIClient().get("/api/years/y2030/").json()
    task = body["tasks"][0]
    assert task["slug"] == "classification" and task["primary_metric"] == "top5_error"
    splits = {split["name"]: split for split in task["splits"]}
    assert splits["test"]["quota_per_window"] == 2 and splits["test"]["quota_window_days"] == 7
    assert splits["val"]["scores_public"] is True and splits["test"]["scores_public"] is False
    text = str(body)
    assert "ground" not in text and "labels_key" not in text
    assert APIClient().get("/api/years/y2099/").status_code == 404


def test_it_exchanges_a_password_for_the_token(world):
    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=world.alice).key}
    wrong = APIClient().post("/api/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert wrong.status_code == 400 and "token" not in wrong.json()


def test_the_token_endpoint_is_throttled(world):
    # Other usernames each time, so that the sign-in brake (5 per username) does not answer first.
    client = APIClient()
    codes = [client.post("/api/auth/token/", {"username": f"user{i}", "password": "x"}).status_code for i in range(12)]
    assert codes[:10] == [400] * 10 and codes[-1] == 429


def test_it_creates_a_team_and_shows_it(world):
    dana = make_user("dana", first_name="Dana", last_name="Scully")
    client = APIClient()
    client.force_authenticate(dana)
    response = client.post("/api/teams/", {"year": "y2030", "name": "Delta", "affiliation": "FBI"}, format="json")
    assert response.status_code == 201
    team = Team.objects.get(pk=response.json()["id"])
    assert Membership.objects.filter(team=team, user=dana).exists()
    shown = APIClient().get(f"/api/teams/{team.pk}/").json()
    assert shown == {**shown, "name": "Delta", "affiliation": "FBI", "year": "y2030", "members": ["Dana Scully"]}
    assert "invite_token" not in shown


def test_team_rules_hold_in_the_api_too(world):
    client = APIClient()
    client.force_authenticate(world.alice)
    response = client.post("/api/teams/", {"year": "y2030", "name": "Another"}, format="json")
    assert response.status_code == 400 and "already in a team" in response.json()["errors"][0]["message"]
    assert APIClient().post("/api/teams/", {"year": "y2030", "name": "X"}, format="json").status_code in (401, 403)


def test_the_schema_lists_the_stable_paths():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/years/", "/api/years/{slug}/", "/api/auth/token/", "/api/teams/", "/api/teams/{id}/",
                 "/api/submissions/", "/api/submissions/{id}/"):
        assert path in schema["paths"], path
    upload = schema["paths"]["/api/submissions/"]["post"]
    assert {"201", "400", "429"} <= set(upload["responses"])


def test_the_docs_page_needs_no_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page.lower()
    assert "cdn" not in page.lower() and "https://" not in page.split("<body")[0]
    assert "/static/drf_spectacular_sidecar/" in page
