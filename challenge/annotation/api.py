"""The crowd's API: an annotator's tasks, their next question (with its class's words, gloss and
parents, and its image's address), answers, the image of a question assigned to them; and a
team's report of a wrong label. One APIView per operation, paths in config/api_urls.py."""

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from challenge.annotation import selectors, services
from challenge.annotation.forms import ANSWER_VALUES
from challenge.competition import selectors as competition_selectors
from challenge.teams.selectors import team_of
from config.api_errors import ErrorsSerializer, error_body


class TaskRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="task.pk")
    year = serializers.CharField(source="task.year.slug")
    title = serializers.CharField(source="task.title")
    open_questions = serializers.IntegerField(source="open", help_text="Questions that still want votes.")
    your_answers = serializers.IntegerField(source="mine")


class ClassSerializer(serializers.Serializer):
    wnid = serializers.CharField()
    name = serializers.CharField()
    words = serializers.CharField()
    gloss = serializers.CharField(help_text="The WordNet gloss (may be empty).")
    parents = serializers.ListField(child=serializers.CharField(), help_text="What it is a kind of.")


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField(help_text="Does this image show ...?")
    image_url = serializers.CharField(help_text="The image (JPEG); served to the annotators it is assigned to only.")
    label = ClassSerializer()


class NextQuestionSerializer(serializers.Serializer):
    question = QuestionSerializer(allow_null=True, help_text="Null when nothing waits for you.")
    stopped = serializers.BooleanField(help_text="Your answers on this task stopped counting.")


class AnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=list(ANSWER_VALUES))


class AnsweredSerializer(serializers.Serializer):
    recorded = serializers.BooleanField()
    next = serializers.CharField(help_text="Where the next question is.")


class ReportSerializer(serializers.Serializer):
    task = serializers.SlugField()
    split = serializers.ChoiceField(choices=["val"])
    image = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    proposed = serializers.ListField(child=serializers.CharField(max_length=20), min_length=1, max_length=20,
                                     help_text="Class ids or WNIDs of the year's class set.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReportedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    questions = serializers.IntegerField(help_text="Questions the crowd will answer about this image.")


class AnnotationTasksApi(APIView):
    """The open verification tasks of the years you annotate."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TaskRowSerializer(many=True))
    def get(self, request):
        return Response(TaskRowSerializer(selectors.tasks_for_annotator(user=request.user), many=True).data)


class NextQuestionApi(APIView):
    """The question you answer next on a task (the same one until you answer it)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: NextQuestionSerializer, 404: ErrorsSerializer})
    def get(self, request, pk: int):
        task, annotator = selectors.task_for_annotator(user=request.user, pk=pk)
        question = services.next_question(annotator=annotator, task=task)
        body = {"stopped": question is None and services.is_stopped(annotator=annotator, task=task), "question": None}
        if question is not None:
            label = selectors.class_context(question.synset)
            body["question"] = {"id": question.pk, "text": f"Does this image show {label['name']}?", "label": label,
                                "image_url": reverse("api:annotation-image", args=[question.pk])}
        return Response(NextQuestionSerializer(body).data)


class AnswerApi(APIView):
    """Answer a question assigned to you: yes, maybe or no."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=AnswerSerializer, responses={201: AnsweredSerializer, 400: ErrorsSerializer,
                                                        404: ErrorsSerializer})
    def post(self, request, pk: int):
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = _assigned_question(request.user, pk)
        try:
            services.record_answer(annotator=question.annotator, question=question,
                                   answer=ANSWER_VALUES[serializer.validated_data["answer"]])
        except services.AnnotationRefused as refused:
            return Response(error_body([(None, str(refused))]), status=status.HTTP_400_BAD_REQUEST)
        return Response({"recorded": True, "next": reverse("api:annotation-next", args=[question.task_id])},
                        status=status.HTTP_201_CREATED)


def _assigned_question(user, pk: int):
    for role in selectors.annotator_roles(user=user):
        try:
            question = selectors.question_for_annotator(annotator=role, pk=pk)
        except Http404:
            continue
        question.annotator = role
        return question
    raise Http404("No such question among yours.")


class QuestionImageApi(APIView):
    """The image of a question assigned to you (JPEG; `size=thumb` for the grid's)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 404: ErrorsSerializer})
    def get(self, request, pk: int):
        image = selectors.image_for_viewer(user=request.user, question_id=pk)
        size = "thumb" if request.query_params.get("size") == "thumb" else "display"
        response = HttpResponse(services.read_image(image=image, size=size), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response


class LabelReportApi(APIView):
    """Report that a validation image's label looks wrong, with the labels you propose (members
    of a team of the year; validation splits whose labels are published)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReportSerializer, responses={201: ReportedSerializer, 400: ErrorsSerializer,
                                                        403: ErrorsSerializer, 404: ErrorsSerializer})
    def post(self, request, slug: str):
        serializer = ReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
        split = competition_selectors.split_of(year=year, task_slug=data["task"], split_name=data["split"])
        try:
            report = services.report_label(user=request.user, team=team_of(user=request.user, year=year), split=split,
                                           image_index=data["image"], proposed=data["proposed"], note=data["note"])
        except services.AnnotationRefused as refused:
            return Response(error_body([(None, str(refused))]), status=status.HTTP_400_BAD_REQUEST)
        return Response({"id": report.pk, "questions": report.questions.count()}, status=status.HTTP_201_CREATED)

