"""API serializers of announcements (shown in the year API)."""

from __future__ import annotations

from rest_framework import serializers

from challenge.markup import render_markdown
from challenge.notices.models import Announcement


class AnnouncementSerializer(serializers.ModelSerializer):
    body_html = serializers.SerializerMethodField(help_text="The Markdown body as sanitized HTML.")

    class Meta:
        model = Announcement
        fields = ["id", "title", "body_html", "posted_at"]

    def get_body_html(self, announcement) -> str:
        return render_markdown(announcement.body)
