import pytest
from django.core.management import call_command

from submissions.models import Submission

pytestmark = pytest.mark.django_db


def test_it_seeds_the_demo_board_once_with_baselines_ranked_as_their_hit_rates(capsys):
    call_command("load_demo")
    call_command("load_demo_entries")
    call_command("load_demo_entries")
    assert "0 added, 4 already there" in capsys.readouterr().out
    scores = {s.team.name: s.current_score.top5_error for s in Submission.objects.select_related("team")}
    assert len(scores) == 4 and all(s.status == "scored" for s in Submission.objects.all())
    # The label is among the guesses with the stated probability (plus random luck).
    assert scores["Demo: near-oracle"] == pytest.approx(0.15, abs=0.01)
    assert scores["Demo: strong baseline"] == pytest.approx(0.30, abs=0.01)
    assert scores["Demo: chance"] == pytest.approx(0.995, abs=0.002)


def test_it_needs_the_demo_year_first():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load_demo"):
        call_command("load_demo_entries")
