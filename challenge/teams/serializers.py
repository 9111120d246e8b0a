"""API serializers of teams: they validate input and shape output."""

from __future__ import annotations

from rest_framework import serializers

from challenge.teams.models import Team
from challenge.teams.services import display_name, team_members


class TeamCreateSerializer(serializers.Serializer):
    year = serializers.SlugField(help_text="The year's slug.")
    name = serializers.CharField(max_length=100)
    affiliation = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TeamSerializer(serializers.ModelSerializer):
    year = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "year", "name", "affiliation", "members", "created_at"]

    def get_members(self, team) -> list[str]:
        return [display_name(user) for user in team_members(team=team)]
