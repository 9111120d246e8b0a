"""Teams' journeys (issue 13, items 1–10): invitations, moderation and final entries on the team's
list, quotas and help on the submit page, what teams write, withdrawing, managing a team."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from challenge.competition.models import ChallengeYear
from challenge.teams.models import Membership, Team
from challenge.teams.services import TeamError, invite_by_email, remove_member, rename_team
from submissions import entries, scoring, selectors, services
from submissions.ledger import verify_chain
from submissions.models import Submission
from tests.base import PASSWORD, TEST_LABELS, VAL_LABELS, make_user, predictions_file, run_scoring_worker
from tests.leaderboard_helpers import stored_rows, submit

pytestmark = pytest.mark.django_db


def _as(client, username):
    client.login(username=username, password=PASSWORD)
    return client


def _board_entries(split):
    return [row["entry"] for row in stored_rows(split)]


def _upload(client, world, content: bytes, split=None, **extra):
    payload = {"split": (split or world.val).pk, "entry_name": "e", "file": SimpleUploadedFile("p.txt", content)}
    return client.post(reverse("submissions:submit", args=[world.year.slug]), payload, **extra)


# ---------------------------------------------------------------- 1. invitations

def _invitation(world, address="dana@example.org"):
    return invite_by_email(team=world.alpha, user=world.alice, address=address)


def test_a_signed_out_visitor_sees_who_invites_and_both_ways_in_come_back(client, world):
    join = reverse("teams:join", args=[_invitation(world).token])
    page = client.get(join).content.decode()
    assert "Alpha" in page and "Alpha University" in page and world.year.title in page
    assert f'href="/accounts/signup/?next={join}"' in page
    assert f'href="/accounts/login/?next={join}"' in page
    assert "<button" not in page.split("<main")[1]  # nothing to press before signing in
    # The sign-in page's own "Sign up" link keeps the return address too.
    login = client.get(reverse("login"), {"next": join}).content.decode()
    assert f'href="/accounts/signup/?next={join}"' in login
    signup = client.post(f"{reverse('accounts:signup')}?next={join}", {
        "username": "dana", "email": "dana@example.org", "password1": PASSWORD, "password2": PASSWORD})
    assert signup.status_code == 302 and signup["Location"] == join
    page = client.get(join).content.decode()
    assert "Join Alpha</button>" in page
    assert client.post(join).status_code == 302
    assert Membership.objects.filter(team=world.alpha, user__username="dana").exists()


def test_someone_in_a_team_of_that_year_is_told_so_and_offered_no_join(client, world):
    token = _invitation(world).token
    page = _as(client, "charlie").get(reverse("teams:join", args=[token])).content.decode()
    assert "You are already in team" in page and "Charlie&#x27;s Angles" in page
    assert "Join Alpha</button>" not in page
    page = _as(client, "bob").get(reverse("teams:join", args=[token])).content.decode()
    assert "already a member of Alpha" in page and "Join Alpha</button>" not in page


def test_an_invitation_after_the_deadline_says_nobody_can_join(client, world):
    token = _invitation(world).token
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(hours=1))
    make_user("dana")
    page = _as(client, "dana").get(reverse("teams:join", args=[token])).content.decode()
    assert "deadline of this year has passed" in page and "Join Alpha</button>" not in page


def test_a_signed_out_post_to_join_goes_to_sign_in_and_an_unknown_link_is_404(client, world):
    join = reverse("teams:join", args=[_invitation(world).token])
    response = client.post(join)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert client.get(reverse("teams:join", args=["nope"])).status_code == 404


# ---------------------------------------------------------------- 2 and 3. the team's list, final entries

def test_a_disqualified_entry_shows_its_state_and_is_never_final(client, world):
    cheat = submit(world.val, world.alpha, world.alice, wrong=0, entry="cheat")
    honest = submit(world.val, world.alpha, world.alice, wrong=3, entry="honest")
    odd = submit(world.val, world.alpha, world.alice, wrong=4, entry="odd")
    Submission.objects.filter(pk=cheat.pk).update(disqualified=True, disqualified_reason="used the val labels")
    Submission.objects.filter(pk=odd.pk).update(not_comparable=True, not_comparable_reason="trained on val")
    page = _as(client, "alice").get(reverse("submissions:list", args=[world.year.slug])).content.decode()
    assert "Disqualified</strong>: used the val labels" in page and "struck through on the public board" in page
    assert "Not directly comparable</strong>: trained on val" in page
    assert f'id="final-{cheat.pk}"' not in page and f'id="final-{honest.pk}"' in page
    assert cheat not in selectors.final_entries(team=world.alpha, split=world.val)
    with pytest.raises(services.FinalEntriesRefused, match="neither disqualified nor withdrawn"):
        services.mark_final_entries(team=world.alpha, split=world.val, submission_ids=[cheat.pk])
    ChallengeYear.objects.filter(pk=world.year.pk).update(excluded_display=ChallengeYear.ExcludedDisplay.HIDDEN)
    page = client.get(reverse("submissions:list", args=[world.year.slug])).content.decode()
    assert "hidden from the public board" in page


def test_the_page_says_what_final_entries_change_and_shows_what_was_saved(client, world):
    a = submit(world.val, world.alpha, world.alice, wrong=1, entry="a")
    submit(world.val, world.alpha, world.alice, wrong=2, entry="b")
    _as(client, "alice")
    url = reverse("submissions:list", args=[world.year.slug])
    page = client.get(url).content.decode()
    assert "boards show each team&#x27;s best entry" in page and "does not change the board" in page
    assert "the results date (" in page and "until the deadline (" in page
    assert "Until the results date the board of this split shows no scores." in page  # the hidden test split
    assert "You have chosen no final entry" in page and " checked" not in page  # nothing ticked by default
    response = client.post(reverse("submissions:mark-final", args=[world.year.slug, world.val.pk]),
                           {"submissions": [a.pk]}, follow=True)
    page = response.content.decode()
    assert f"Saved for Classification (Validation): your final entry is “a” (#{a.pk})." in page
    assert "Your final entry is: <strong>a</strong>" in page and page.count(" checked") == 1
    ChallengeYear.objects.filter(pk=world.year.pk).update(leaderboard_rows=ChallengeYear.LeaderboardRows.FINAL_PER_TEAM)
    page = client.get(url).content.decode()
    assert "your rows on this split&#x27;s board from the moment you save" in page
    assert "While you choose none, the board shows your best entry." in page


# ---------------------------------------------------------------- 4. quota on the submit page

def test_a_split_with_no_submission_left_cannot_be_chosen_and_the_server_still_refuses_it(client, world):
    for _ in range(2):
        submit(world.test, world.alpha, world.alice, wrong=1, entry="t")
    page = _as(client, "alice").get(reverse("submissions:submit", args=[world.year.slug])).content.decode()
    option = page[page.index(f'<option value="{world.test.pk}"'):]
    option = option[:option.index("</option>")]
    assert " disabled" in option and "none left now" in option
    assert "Classification, Test: none left until" in page and "UTC (2 submissions per team" in page
    assert f'<option value="{world.val.pk}" selected' in page
    refused = _upload(client, world, predictions_file([[label] for label in TEST_LABELS]), split=world.test)
    assert refused.status_code == 429 and Submission.objects.filter(split=world.test).count() == 2


# ---------------------------------------------------------------- 5. errors that are cut off, separators

def test_fifty_bad_lines_show_ten_and_say_how_many_more(client, world):
    world.val.__class__.objects.filter(pk=world.val.pk).update(n_images=60)
    response = _upload(_as(client, "alice"), world, b"banana\n" * 50 + b"1\n" * 10, HTTP_ACCEPT="application/json")
    errors = response.json()["errors"]
    assert response.status_code == 400 and [e["line"] for e in errors[:10]] == list(range(1, 11))
    assert errors[10] == {"line": None, "message": "… and 40 more lines like these."}
    page = _upload(client, world, b"banana\n" * 50 + b"1\n" * 10).content.decode()
    assert "and 40 more lines like these." in page


def test_commas_get_a_hint_and_tabs_are_accepted(client, world):
    _as(client, "alice")
    rows = [",".join(str((label + k) % 1000 + 1) for k in range(5)) for label in VAL_LABELS]
    errors = _upload(client, world, ("\n".join(rows) + "\n").encode(), HTTP_ACCEPT="application/json").json()["errors"]
    assert any(e["line"] is None and "separated by spaces (or tabs), not commas" in e["message"] for e in errors)
    tabbed = "\n".join("\t".join([str(label), "7", "8"]) for label in VAL_LABELS) + "\n"
    assert _upload(client, world, tabbed.encode()).status_code == 302
    run_scoring_worker()
    assert Submission.objects.get().status == Submission.Status.SCORED


# ---------------------------------------------------------------- 6. sample files

def test_each_task_offers_a_validation_sample_that_scores(client, world):
    url = reverse("submissions:sample", args=[world.year.slug, "classification", "val"])
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = response.content
    assert data.count(b"\n") == world.val.n_images and all(len(line.split()) == 5 for line in data.splitlines())
    assert client.get(reverse("submissions:sample", args=[world.year.slug, "classification", "test"])).status_code == 404
    assert url in client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    _as(client, "alice")
    page = client.get(reverse("submissions:submit", args=[world.year.slug])).content.decode()
    assert url in page and "(10 lines)" in page and '<td class="num">10</td>' in page
    assert _upload(client, world, data).status_code == 302
    run_scoring_worker()
    assert Submission.objects.get().status == Submission.Status.SCORED


def test_sample_files_have_the_format_of_their_task():
    cs = scoring.ClassSet.ilsvrc2012()
    for task in scoring.TASKS:
        data = scoring.sample_file(task, n_images=7, n_classes=1000)
        parsed = scoring.parse_predictions(task, data, n_images=7, class_set=cs)
        assert parsed.n_images == 7 and (parsed.guess_counts() == 5).all()


# ---------------------------------------------------------------- 7 and 8. what teams write; withdrawing

def test_the_description_is_shown_on_the_entry_page_and_the_board_and_can_be_edited(client, world):
    submission = services.score_submission(submission_id=services.create_submission(
        team=world.alpha, split=world.val, user=world.alice, data=predictions_file([[label] for label in VAL_LABELS]),
        entry_name="first name", description="ResNet-50 <b>with</b> mixup").pk)
    run_scoring_worker()
    _as(client, "bob")
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    assert "ResNet-50 &lt;b&gt;with&lt;/b&gt; mixup" in page and "Rename the entry" in page
    board = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])).content.decode()
    assert "<details><summary>first name</summary>" in board and "ResNet-50 &lt;b&gt;with&lt;/b&gt; mixup" in board
    response = client.post(reverse("submissions:edit", args=[submission.pk]),
                           {"entry_name": "better name", "description": "ResNet-152"})
    assert response.status_code == 302
    assert _board_entries(world.val) == ["better name"]
    api = client.get(reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"])).json()
    assert api["entries"][0]["description"] == "ResNet-152"
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    client.post(reverse("submissions:edit", args=[submission.pk]), {"entry_name": "too late", "description": ""})
    assert Submission.objects.get(pk=submission.pk).entry_name == "better name"


def test_only_the_team_edits_its_entries(world):
    submission = submit(world.val, world.alpha, world.alice, wrong=1, entry="mine")
    for outsider in (world.charlie, world.olivia):
        with pytest.raises(entries.EntryChangeRefused, match="Only members"):
            entries.edit_entry(submission=submission, user=outsider, entry_name="x", description="")
    with pytest.raises(entries.EntryChangeRefused, match="needs a name"):
        entries.edit_entry(submission=submission, user=world.bob, entry_name="  ", description="")


def test_a_team_withdraws_a_validation_entry_from_the_public_board_only(client, world):
    kept = submit(world.val, world.alpha, world.alice, wrong=2, entry="kept")
    hidden = submit(world.val, world.alpha, world.alice, wrong=1, entry="withdrawn one")
    test_entry = submit(world.test, world.alpha, world.alice, wrong=1, entry="on test")
    services.mark_final_entries(team=world.alpha, split=world.val, submission_ids=[hidden.pk])
    _as(client, "alice")
    assert client.post(reverse("submissions:withdraw", args=[hidden.pk]), {"withdrawn": "yes"}).status_code == 302
    hidden.refresh_from_db()
    assert hidden.withdrawn and not hidden.is_final and _board_entries(world.val) == ["kept"]
    board = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])).content.decode()
    assert "withdrawn one" not in board and "kept" in board
    assert "withdrawn one" not in client.get(reverse("teams:detail", args=[world.alpha.pk])).content.decode()
    mine = client.get(reverse("submissions:list", args=[world.year.slug])).content.decode()
    assert "withdrawn one" in mine and "withdrawn by your team from the public board" in mine
    assert verify_chain() is None and Submission.objects.filter(pk=hidden.pk).exists()
    with pytest.raises(entries.EntryChangeRefused, match="Only validation entries"):
        entries.set_withdrawn(submission=test_entry, user=world.alice, withdrawn=True)
    client.post(reverse("submissions:withdraw", args=[hidden.pk]), {"withdrawn": "no"})
    assert _board_entries(world.val) == ["withdrawn one"]  # back, and the team's best again
    assert kept.pk != hidden.pk


# ---------------------------------------------------------------- 9. managing a team

def test_the_captain_renames_the_team_and_the_boards_follow(client, world):
    submit(world.val, world.alpha, world.alice, wrong=1, entry="e")
    with pytest.raises(TeamError, match="Only the team's captain"):
        rename_team(team=world.alpha, user=world.bob, name="Bob's")
    with pytest.raises(TeamError, match="already exists"):
        rename_team(team=world.alpha, user=world.alice, name="charlie's angles")
    _as(client, "alice")
    assert client.post(reverse("teams:rename", args=[world.alpha.pk]), {"name": "Alpha Prime"}).status_code == 302
    assert Team.objects.get(pk=world.alpha.pk).name == "Alpha Prime"
    row = stored_rows(world.val)[0]
    assert row["team"]["name"] == "Alpha Prime"


def test_only_the_captain_removes_a_member_and_leaving_asks_first(client, world):
    with pytest.raises(TeamError, match="Only the team's captain"):
        remove_member(team=world.alpha, by=world.bob, member=world.alice)
    _as(client, "alice")
    page = client.get(reverse("teams:detail", args=[world.alpha.pk])).content.decode()
    assert reverse("teams:remove-member", args=[world.alpha.pk, world.bob.pk]) in page and "captain" in page
    confirm = client.get(reverse("teams:remove-member", args=[world.alpha.pk, world.bob.pk])).content.decode()
    assert "Remove bob from Alpha?" in confirm
    client.post(reverse("teams:remove-member", args=[world.alpha.pk, world.bob.pk]))
    assert not Membership.objects.filter(team=world.alpha, user=world.bob).exists()
    confirm = client.get(reverse("teams:leave", args=[world.alpha.pk]))
    assert confirm.status_code == 200 and "Leave Alpha?" in confirm.content.decode()
    assert Membership.objects.filter(team=world.alpha, user=world.alice).exists()  # asking changes nothing


def test_a_team_whose_last_member_left_is_no_empty_public_page(client, world):
    Membership.objects.filter(team=world.charlies_team).delete()
    assert client.get(reverse("teams:detail", args=[world.charlies_team.pk])).status_code == 404
    submit(world.val, world.alpha, world.alice, wrong=1, entry="stays public")
    Membership.objects.filter(team=world.alpha).delete()
    page = client.get(reverse("teams:detail", args=[world.alpha.pk])).content.decode()
    assert "All members have left this team" in page and "stays public" in page


def test_the_team_page_offers_a_copy_button_for_the_invitation_link(client, world):
    invitation = invite_by_email(team=world.alpha, user=world.bob, address="dana@example.org")
    just_sent = f"{reverse('teams:detail', args=[world.alpha.pk])}?sent={invitation.pk}"
    page = _as(client, "bob").get(just_sent).content.decode()
    assert 'data-copy-from="invite-link"' in page and "js/copy.js" in page


# ---------------------------------------------------------------- 10. small form faults

def test_the_duplicate_team_name_error_appears_once(client, world):
    make_user("dana")
    page = _as(client, "dana").post(reverse("teams:create", args=[world.year.slug]), {"name": "alpha"}).content.decode()
    assert page.count("already exists in this year") == 1
