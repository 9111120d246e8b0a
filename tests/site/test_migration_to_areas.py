"""The models of the challenge app moved to one app per area without moving a row: a database
migrated from the schema before the move keeps its rows, and its organizers keep their rights."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("challenge", "0007_rate_counts"), ("submissions", "0006_detection_scores"),
          ("leaderboards", "0006_historical_mean_ap"), ("contenttypes", "0002_remove_content_type_name"),
          ("auth", "0012_alter_user_first_name_max_length")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_rows_and_its_organizers_rights():
    old = _migrate(BEFORE)
    ContentType, Permission = old.get_model("contenttypes", "ContentType"), old.get_model("auth", "Permission")
    Group, User = old.get_model("auth", "Group"), old.get_model("auth", "User")
    year_type = ContentType.objects.get(app_label="challenge", model="challengeyear")
    team_type = ContentType.objects.get(app_label="challenge", model="team")
    organizers = Group.objects.create(name="organizers")
    organizers.permissions.set(Permission.objects.filter(content_type__in=[year_type, team_type]))
    olivia = User.objects.create(username="olivia-before-the-move")
    olivia.groups.add(organizers)
    ClassSet, Year = old.get_model("challenge", "ClassSet"), old.get_model("challenge", "ChallengeYear")
    Team = old.get_model("challenge", "Team")
    year = Year.objects.create(slug="y1999", title="Before", class_set=ClassSet.objects.create(slug="cs", name="cs"))
    Team.objects.create(year=year, name="Old Team", invite_token="token-before-the-move")

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)  # post_migrate, as a deployment runs it

    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    from challenge.accounts.roles import is_organizer
    from challenge.competition.models import ChallengeYear
    from challenge.teams.models import Team as CurrentTeam

    olivia = get_user_model().objects.get(username="olivia-before-the-move")
    assert olivia.has_perm("competition.change_challengeyear") and olivia.has_perm("teams.change_team")
    assert is_organizer(olivia)
    assert CurrentTeam.objects.get(name="Old Team").year == ChallengeYear.objects.get(slug="y1999")
    assert not CurrentContentType.objects.filter(app_label="challenge", model__in=["challengeyear", "team"]).exists()
    assert CurrentContentType.objects.filter(app_label="competition", model="challengeyear").count() == 1
