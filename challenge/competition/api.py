"""The API of years: one view per operation, paths in config/api_urls.py."""

from rest_framework import generics

from challenge.competition import selectors as competition_selectors
from challenge.competition.serializers import YearDetailSerializer, YearSerializer


class YearListApi(generics.ListAPIView):
    """Challenge years visible to the caller (drafts only for organizers)."""

    serializer_class = YearSerializer

    def get_queryset(self):
        return competition_selectors.visible_years(user=self.request.user)


class YearDetailApi(generics.RetrieveAPIView):
    """One year with its tasks and their splits (quota and visibility rules included)."""

    serializer_class = YearDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return competition_selectors.visible_years(user=self.request.user).prefetch_related("tasks__splits")


