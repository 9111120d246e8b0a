"""The submissions API: one APIView per operation, paths in api_urls.py.

Ground truth is never serialized, and scores pass through selectors.visible_scores (the
leaderboards' visibility rule), so a hidden score never leaves the server either.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from challenge.competition import selectors as competition_selectors
from challenge.teams import selectors as team_selectors
from config.api_errors import ErrorsSerializer, error_body
from config.network import client_address
from config.throttles import UploadThrottle
from submissions import quotas, selectors, services
from submissions.serializers import FileCheckSerializer, SubmissionCreateSerializer, SubmissionSerializer


class SubmissionListCreateApi(APIView):
    """List your teams' submissions, or submit a prediction file (multipart)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    def get_throttles(self):
        # Only uploads are throttled (the HTML submit page shares the budget): a client waiting
        # for its score lists freely.
        return [UploadThrottle()] if self.request.method == "POST" else []

    @extend_schema(parameters=[OpenApiParameter("year", str, description="Only this year's submissions.")],
                   responses=SubmissionSerializer(many=True))
    def get(self, request):
        rows = selectors.submissions_of_user_teams(user=request.user, year_slug=request.query_params.get("year"))
        return Response(SubmissionSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(request=SubmissionCreateSerializer,
                   responses={200: FileCheckSerializer, 201: SubmissionSerializer, 400: ErrorsSerializer,
                              403: ErrorsSerializer, 429: ErrorsSerializer, 503: ErrorsSerializer})
    def post(self, request):
        serializer = SubmissionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # config.api_errors gives the documented shape
        data = serializer.validated_data
        year = competition_selectors.year_for_viewer(slug=data["year"], user=request.user)
        split = competition_selectors.split_of(year=year, task_slug=data["task"], split_name=data["split"])
        team = team_selectors.team_of(user=request.user, year=year)
        try:
            if data["check_only"]:
                checked = services.check_upload(team=team, split=split, user=request.user, data=data["file"])
                return Response({**error_body(checked.errors), "ready": checked.ready, "message": checked.message})
            submission = services.submit_upload(
                team=team, user=request.user, split=split,
                file=data["file"], entry_name=data["entry"], description=data["description"],
                external_data=data["external_data"], method_url=data["method_url"], code_url=data["code_url"],
                client_address=client_address(request),
            )
        except services.SubmissionRefused as exc:
            return Response(error_body(exc.errors), status=status.HTTP_400_BAD_REQUEST)
        except services.SubmissionNotAllowed as exc:
            return Response(error_body([(None, str(exc))]), status=status.HTTP_403_FORBIDDEN)
        except quotas.QuotaExceeded as exc:
            return _quota_response(exc)
        except services.ValidationsBusy as exc:
            response = Response(error_body([(None, str(exc))]), status=status.HTTP_503_SERVICE_UNAVAILABLE)
            response["Retry-After"] = str(exc.retry_after)
            return response
        body = SubmissionSerializer(submission, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


def _quota_response(exc: quotas.QuotaExceeded) -> Response:
    next_slot = exc.quota.next_slot_at
    response = Response(error_body([(None, str(exc))], next_slot_at=next_slot.isoformat() if next_slot else None),
                        status=status.HTTP_429_TOO_MANY_REQUESTS)
    if next_slot:
        response["Retry-After"] = str(max(int((next_slot - timezone.now()).total_seconds()) + 1, 1))
    return response


class SubmissionDetailApi(APIView):
    """One of your team's submissions, with its scores if you may see them (404 otherwise)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SubmissionSerializer)
    def get(self, request, pk: int):
        submission = selectors.submission_for_viewer(pk=pk, user=request.user)
        return Response(SubmissionSerializer(submission, context={"request": request}).data)
