"""Every view × every persona, with the status each must get; CSRF on every state change.

The routes come from Django's resolver, so a view added without a line in EXPECTED fails
`test_every_view_states_its_access_rule`: whoever adds a view decides who may see it.
"""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.urlmap import fresh_throttles, make_matrix_world, site_routes  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("fresh_throttles")

PERSONAS = ("anonymous", "alice", "charlie", "olivia", "admin")

# GET status for (anonymous, alice of team Alpha, charlie of another team, olivia the organizer,
# a superuser). alice's own objects (submission 1, team Alpha) fill the URLs. 405: the view
# changes state and takes POST only (see test_state_changes_need_the_right_person).
PUBLIC = (200, 200, 200, 200, 200)
SIGNED_IN = (302, 200, 200, 200, 200)
ORGANIZERS = (302, 403, 403, 200, 200)
ALPHA_AND_ORGANIZERS = (302, 200, 404, 200, 200)
POST_ONLY = (405, 405, 405, 405, 405)
POST_ONLY_SIGNED_IN = (302, 405, 405, 405, 405)
EXPECTED = {
    "admin:index": (302, 302, 302, 302, 200),
    "healthz": PUBLIC,
    "favicon": (302, 302, 302, 302, 302),  # to the static icon
    "login": PUBLIC,
    "logout": POST_ONLY,
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,  # an invalid link, said so on the page
    "password_reset_complete": PUBLIC,
    "accounts:signup": (200, 302, 302, 302, 302),
    "accounts:profile": SIGNED_IN,
    "accounts:rotate-token": POST_ONLY_SIGNED_IN,
    "accounts:email-preference": POST_ONLY_SIGNED_IN,
    "accounts:email-opt-out": (400, 400, 400, 400, 400),  # a token we did not sign; see test_email
    "accounts:confirm-email": (400, 400, 400, 400, 400),  # a token we did not sign; see test_signup_and_reset
    "accounts:confirm-email-resend": POST_ONLY_SIGNED_IN,
    "api:schema": PUBLIC,
    "api:docs": PUBLIC,
    "api:redoc": PUBLIC,
    "api:years": PUBLIC,
    "api:year": PUBLIC,
    "api:token": POST_ONLY,
    "api:teams": (401, 405, 405, 405, 405),
    "api:team": PUBLIC,  # name, affiliation and members' display names are public
    "api:submissions": (401, 200, 200, 200, 200),  # each caller's own teams' submissions only
    "api:submission": (401, 200, 404, 200, 200),
    "leaderboard_api:leaderboard": PUBLIC,
    "organize:dashboard": ORGANIZERS,
    "organize:audit": ORGANIZERS,
    "organize:class-sets": ORGANIZERS,
    "organize:year-create": ORGANIZERS,
    "organize:year": ORGANIZERS,
    "organize:year-edit": ORGANIZERS,
    "organize:task-create": ORGANIZERS,
    "organize:task-edit": ORGANIZERS,
    "organize:split-new-subset": POST_ONLY,
    "organize:data-files": ORGANIZERS,
    "organize:data-file-remove": POST_ONLY,
    "organize:announcements": ORGANIZERS,
    "organize:announcement-create": ORGANIZERS,
    "organize:announcement-edit": ORGANIZERS,
    "organize:announcement-delete": POST_ONLY,
    "organize:ground-truth": ORGANIZERS,
    "organize:rescoring": ORGANIZERS,
    "organize:rescore-split": POST_ONLY,
    "organize:rescoring-status": ORGANIZERS,
    "organize:entries-bulk": POST_ONLY,
    "organize:statistics": ORGANIZERS,
    "organize:statistics-csv": ORGANIZERS,
    "organize:entries": ORGANIZERS,
    "organize:entry-moderate": POST_ONLY,
    "organize:teams": ORGANIZERS,
    "organize:team-ban": POST_ONLY,
    "organize:team-quota": POST_ONLY,
    "organize:entry-baseline": POST_ONLY,
    "organize:year-copy": POST_ONLY,
    "organize:signals": ORGANIZERS,
    "organize:quota-pool": POST_ONLY,
    "organize:quota-unpool": POST_ONLY,
    "organize:teams-ban": POST_ONLY,
    "organize:split-submissions-zip": ORGANIZERS,
    "teams:create": SIGNED_IN,
    "teams:mine": SIGNED_IN,
    "teams:detail": PUBLIC,
    "teams:leave": (302, 200, 404, 404, 404),  # GET asks to confirm; members only
    "teams:rename": POST_ONLY_SIGNED_IN,
    "teams:remove-member": (302, 200, 404, 404, 404),  # GET asks to confirm; the captain's team only
    "teams:rotate-invite": POST_ONLY_SIGNED_IN,
    "teams:invite-email": POST_ONLY_SIGNED_IN,
    "teams:join": PUBLIC,  # the invitation page says who invites; joining is a POST
    "leaderboards:leaderboard": PUBLIC,
    "leaderboards:export": PUBLIC,
    "leaderboards:archive": (404, 404, 404, 404, 404),  # nothing frozen yet
    "leaderboards:archive-export": (404, 404, 404, 404, 404),
    "leaderboards:history": PUBLIC,
    "leaderboards:history-year": (404, 404, 404, 404, 404),  # no published history for an open year
    "leaderboards:per-class": (404, 200, 404, 200, 200),
    "submissions:submit": SIGNED_IN,
    "submissions:list": (302, 200, 200, 404, 404),  # a team's own list; organizers have no team
    "submissions:mark-final": POST_ONLY_SIGNED_IN,
    "submissions:detail": ALPHA_AND_ORGANIZERS,
    "submissions:edit": POST_ONLY_SIGNED_IN,
    "submissions:withdraw": POST_ONLY_SIGNED_IN,
    "submissions:sample": PUBLIC,
    "submissions:client": PUBLIC,
    "submissions:status": ALPHA_AND_ORGANIZERS,
    "submissions:file": ALPHA_AND_ORGANIZERS,
    "challenge:home": PUBLIC,
    "challenge:year-detail": PUBLIC,
    "challenge:classes": PUBLIC,
    "challenge:class-detail": PUBLIC,
    "datafiles:data-files": PUBLIC,
    "datafiles:accept-terms": POST_ONLY,
    "datafiles:download": (302, 403, 403, 403, 403),  # nobody has accepted the terms yet
    # Revisions of the labels and the crowd (issue 25). Nobody of the world annotates: a task's
    # pages and its images answer 404 to everyone (an image only to the annotators it is assigned to).
    "organize:revise-labels": POST_ONLY,
    "organize:class-revisions": ORGANIZERS,
    "organize:annotation": ORGANIZERS,
    "organize:annotation-task": ORGANIZERS,
    "organize:annotation-aggregate": POST_ONLY,
    "organize:annotation-publish": POST_ONLY,
    "annotation:home": SIGNED_IN,
    "annotation:accept": SIGNED_IN,  # the page asks to accept; accepting is a POST
    "annotation:question": (302, 404, 404, 404, 404),
    "annotation:grid": (302, 404, 404, 404, 404),
    "annotation:image": (404, 404, 404, 404, 404),
    "annotation:report": SIGNED_IN,  # the form; who may report is decided on POST (challenge.policy)
    "api:label-reports": (401, 405, 405, 405, 405),
    "api:annotation-tasks": (401, 200, 200, 200, 200),
    "api:annotation-next": (401, 404, 404, 404, 404),
    "api:annotation-answer": (401, 405, 405, 405, 405),
    "api:annotation-image": (401, 404, 404, 404, 404),
}
EXTRA_KWARGS = {
    "leaderboards:archive": {"public_id": "00000000-0000-4000-8000-000000000000"},
    "leaderboards:archive-export": {"public_id": "00000000-0000-4000-8000-000000000000", "fmt": "json"},
    "leaderboards:export": {"fmt": "csv"},
}

# POST with no form data by someone who must not change the object: refused before any form.
POST_REFUSED = {
    # charlie on team Alpha's things: 404 (he may not know it exists) or 403.
    ("charlie", "teams:leave"): (403, 404),
    ("charlie", "teams:rotate-invite"): (403, 404),
    ("charlie", "teams:invite-email"): (403, 404),
    ("alice", "organize:announcement-create"): (403,),
    ("alice", "organize:announcement-delete"): (403,),
    ("alice", "organize:rescore-split"): (403,),
    ("alice", "organize:entries-bulk"): (403,),
    ("charlie", "teams:rename"): (403, 404),
    ("charlie", "teams:remove-member"): (403, 404),
    ("charlie", "submissions:edit"): (404,),
    ("charlie", "submissions:withdraw"): (404,),
    ("anonymous", "teams:join"): (302,),
    ("alice", "organize:data-file-remove"): (403,),
    ("alice", "organize:entry-moderate"): (403,),
    ("alice", "organize:team-ban"): (403,),
    ("alice", "organize:team-quota"): (403,),
    ("alice", "organize:entry-baseline"): (403,),
    ("alice", "organize:year-copy"): (403,),
    ("alice", "organize:quota-pool"): (403,),
    ("alice", "organize:quota-unpool"): (403,),
    ("alice", "organize:teams-ban"): (403,),
    ("alice", "organize:ground-truth"): (403,),
    ("alice", "organize:year-edit"): (403,),
    ("alice", "organize:split-new-subset"): (403,),
    ("charlie", "organize:task-create"): (403,),
    ("anonymous", "accounts:rotate-token"): (302,),
    ("anonymous", "submissions:submit"): (302,),
    ("anonymous", "api:submissions"): (401,),
    ("anonymous", "api:teams"): (401,),
}
CSRF_EXEMPT = {
    "api:token",  # trades a password for a token; uses no session, so there is nothing to forge
    # The signed link is the credential (no session); mail programs POST to it in one click (RFC 8058).
    "accounts:email-opt-out",
}


def _client(mw, persona: str, **options) -> Client:
    client = Client(**options)
    users = {"alice": mw.world.alice, "charlie": mw.world.charlie, "olivia": mw.world.olivia, "admin": mw.admin}
    if persona in users:
        client.force_login(users[persona])
    return client


def _url(mw, route):
    return mw.url(route, **EXTRA_KWARGS.get(route.name, {}))


def test_every_view_states_its_access_rule():
    names = {route.name for route in site_routes()}
    assert not names - set(EXPECTED), f"views without an access rule in EXPECTED: {sorted(names - set(EXPECTED))}"
    assert not set(EXPECTED) - names, f"rules for views that no longer exist: {sorted(set(EXPECTED) - names)}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_the_stated_status_everywhere(persona):
    mw = make_matrix_world()
    client = _client(mw, persona, raise_request_exception=False)
    column = PERSONAS.index(persona)
    wrong = []
    for route in site_routes():
        if route.name not in EXPECTED:
            continue
        url = _url(mw, route)
        status = client.get(url).status_code
        if status != EXPECTED[route.name][column]:
            wrong.append(f"{route.name} {url}: got {status}, expected {EXPECTED[route.name][column]}")
    assert wrong == []


@pytest.mark.django_db
def test_state_changes_need_the_right_person():
    mw = make_matrix_world()
    routes = {route.name: route for route in site_routes()}
    wrong = []
    for (persona, name), allowed in POST_REFUSED.items():
        client = _client(mw, persona, raise_request_exception=False)
        status = client.post(_url(mw, routes[name]), {}).status_code
        if status not in allowed:
            wrong.append(f"{persona} POST {name}: got {status}, expected one of {allowed}")
    assert wrong == []


@pytest.mark.django_db
def test_every_state_change_needs_a_csrf_token():
    """Signed in by session (the organizer, who may change most), a POST without the token
    is refused with 403 on every route, whatever the view would have done."""
    mw = make_matrix_world()
    client = _client(mw, "olivia", enforce_csrf_checks=True, raise_request_exception=False)
    wrong = []
    for route in site_routes():
        if route.name in CSRF_EXEMPT or route.name == "admin:index":
            continue
        response = client.post(_url(mw, route), {"name": "forged"})
        # The API docs pages render their own HTML even for errors; the status is what counts there.
        said_why = "CSRF" in response.content.decode() or route.name in ("api:docs", "api:redoc")
        if response.status_code != 403 or not said_why:
            wrong.append(f"{route.name}: {response.status_code}")
    assert wrong == []


@pytest.mark.django_db
def test_a_form_with_its_token_gets_through_the_csrf_check():
    mw = make_matrix_world()
    client = _client(mw, "charlie", enforce_csrf_checks=True)
    client.get("/teams/")
    token = client.cookies["csrftoken"].value
    before = Token.objects.filter(user=mw.world.charlie).values_list("key", flat=True).first()
    response = client.post("/accounts/profile/token/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert Token.objects.filter(user=mw.world.charlie).values_list("key", flat=True).first() not in (None, before)
