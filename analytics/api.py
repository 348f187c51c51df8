"""REST API v1 analytics: NPS figures and the champion analysis."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.models import Agent, Department
from agents.roles import viewer_for
from analytics import champions, selectors
from analytics.params import NpsQuerySerializer, PeriodSerializer, reject_unknown_params
from analytics.themes import selectors as theme_selectors
from surveys.models import ApiToken


class NpsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    responses = serializers.IntegerField()
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    nps = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)


class NpsView(APIView):
    @extend_schema(parameters=[NpsQuerySerializer], responses={200: NpsRowSerializer(many=True)})
    def get(self, request: Request) -> Response:
        reject_unknown_params(request.query_params, NpsQuerySerializer)
        params = NpsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data
        rows = selectors.nps_by(**query, **_scope(request, query.get("department"), query.get("agent")))
        return Response([row.as_dict() for row in rows])


def _scope(request: Request, department, agent=None) -> dict:
    """Integrations (a token) and admins see everything; a signed-in supervisor sees only
    their departments (the company-wide row stays visible as the benchmark); anyone else
    signed in is refused, as on the dashboards."""
    if isinstance(request.auth, ApiToken):
        return {}
    viewer = viewer_for(request.user)
    if viewer.is_admin:
        return {}
    if not viewer.sees_dashboards:
        raise PermissionDenied("Your account has no access to NPS figures.")
    if department is not None and not viewer.can_see_department(department):
        raise PermissionDenied("That department is outside your scope.")
    if agent is not None and (agent.department is None or not viewer.can_see_department(agent.department)):
        raise PermissionDenied("That agent is outside your scope.")
    return {"department_ids": viewer.department_ids}


class ChampionsQuerySerializer(PeriodSerializer):
    """The period plus the ranking's knobs; omitted ones use CHAMPION_MIN_RESPONSES / CHAMPION_TOP_N."""

    min_responses = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    top_n = serializers.IntegerField(required=False, min_value=1, max_value=200)


class ChampionsView(APIView):
    @extend_schema(parameters=[ChampionsQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        params = ChampionsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        scope = _scope(request, None)
        data = champions.analyse(**params.validated_data).as_dict()
        if "department_ids" in scope:
            codes = set(Department.objects.filter(pk__in=scope["department_ids"]).values_list("code", flat=True))
            data = champions.visible_to(data, codes)
        return Response(data)


# --- Themes ------------------------------------------------------------------------------------


class ThemesQuerySerializer(PeriodSerializer):
    department = serializers.SlugField(required=False, help_text="Department code.")
    agent = serializers.CharField(required=False, max_length=200, help_text="Agent external id.")
    question = serializers.ChoiceField(
        choices=selectors.QUESTIONS, required=False, default="company", help_text="The NPS the points are of."
    )
    language = serializers.ChoiceField(choices=["en", "id", "es"], required=False, default="en")

    def validate_department(self, code: str) -> Department:
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise serializers.ValidationError(f"Unknown department {code!r}.")
        return department

    def validate_agent(self, external_id: str) -> Agent:
        agent = Agent.objects.filter(external_id=external_id).first()
        if agent is None:
            raise serializers.ValidationError(f"Unknown agent {external_id!r}.")
        return agent


class ThemeRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    mentions = serializers.IntegerField(help_text="Answers in the period whose why-text has the theme.")
    share = serializers.FloatField(allow_null=True, help_text="mentions / answers with a why-text (0–1).")
    share_ci_low = serializers.FloatField(allow_null=True, help_text="95 % Wilson interval of the share.")
    share_ci_high = serializers.FloatField(allow_null=True)
    nps_with = serializers.FloatField(allow_null=True, help_text="NPS of the answers that mention the theme.")
    nps_without = serializers.FloatField(allow_null=True, help_text="NPS of all the other answers.")
    points_lost = serializers.FloatField(
        allow_null=True, help_text="NPS points the theme costs: NPS without it minus NPS of all answers."
    )
    points_lost_ci_low = serializers.FloatField(allow_null=True)
    points_lost_ci_high = serializers.FloatField(allow_null=True)
    praise = serializers.IntegerField(help_text="Mentions that praise (+).")
    complaints = serializers.IntegerField(help_text="Mentions that complain (-).")
    comments = serializers.IntegerField(help_text="Answers with a why-text in the scope.")


class ThemesView(APIView):
    @extend_schema(
        parameters=[ThemesQuerySerializer],
        responses=ThemeRowSerializer(many=True),
        summary="Themes in the why-texts: share, NPS with and without, points lost",
    )
    def get(self, request: Request) -> Response:
        params = ThemesQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        department, agent = data.get("department"), data.get("agent")
        department_ids = _scope(request, department).get("department_ids")
        if department is not None:
            department_ids = [department.pk]
        if agent is not None and department_ids is not None:
            visible = agent.responses.filter(department_id__in=department_ids).exists()
            if not visible and department is None:
                raise PermissionDenied("That agent is outside your scope.")
        scope = theme_selectors.Scope(
            data["since"], data["until"], department_ids, agent.pk if agent else None, data["question"]
        )
        rows = theme_selectors.theme_rows(scope, language=data["language"])
        return Response([row.as_dict() for row in rows])
