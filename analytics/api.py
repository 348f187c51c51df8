"""REST API v1 analytics: NPS figures and the champion analysis."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.models import Agent, Department
from agents.roles import viewer_for
from analytics import champions, plan_tracking, selectors
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


class TrackedFigureSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    nps = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True, help_text="Adjusted-Wald 95 % interval.")
    ci_high = serializers.FloatField(allow_null=True)


class TrackedChangeSerializer(serializers.Serializer):
    """Before and after one figure; absent when the item has not started or the figure is hidden."""

    before = TrackedFigureSerializer(required=False)
    after = TrackedFigureSerializer(required=False)
    change = serializers.FloatField(allow_null=True, required=False, help_text="After − before, NPS points.")
    change_ci_low = serializers.FloatField(allow_null=True, required=False, help_text="95 % interval of the change.")
    change_ci_high = serializers.FloatField(allow_null=True, required=False)
    verdict = serializers.ChoiceField(
        choices=list(plan_tracking.VERDICT_LABELS),
        allow_null=True,
        required=False,
        help_text="worked / worse: the change is outside the noise; within_noise; no_answers; not_started.",
    )
    verdict_label = serializers.CharField(required=False)


class TrackedMeasureSerializer(TrackedChangeSerializer):
    subject = serializers.ChoiceField(choices=["agent", "department"])
    role = serializers.ChoiceField(choices=["champion", "paired", "from", "to"])
    question = serializers.ChoiceField(choices=list(selectors.QUESTIONS))
    key = serializers.CharField(allow_null=True, help_text="Agent external id or department code; null when hidden.")
    name = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    hidden = serializers.BooleanField(help_text="Outside the viewer's departments: no name, no figures.")
    pk = serializers.IntegerField(allow_null=True)


class TrackedAgentSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    hidden = serializers.BooleanField()
    pk = serializers.IntegerField(allow_null=True)


class TrackedWindowSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    days = serializers.IntegerField()


class TrackedResultSerializer(TrackedChangeSerializer):
    measure = serializers.CharField(help_text="The figure the item is judged on.")


class TrackedItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["move", "pair"])
    status = serializers.CharField()
    start_date = serializers.DateField()
    accepted_at = serializers.DateTimeField()
    accepted_by = serializers.CharField(allow_null=True)
    champion = TrackedAgentSerializer()
    paired = TrackedAgentSerializer(many=True)
    from_department = serializers.CharField(allow_null=True)
    from_department_name = serializers.CharField(allow_null=True)
    to_department = serializers.CharField()
    to_department_name = serializers.CharField()
    departments = serializers.ListField(child=serializers.CharField())
    expected = serializers.DictField(help_text="The plan's expected effect when accepted (empty when hidden).")
    before = TrackedWindowSerializer(allow_null=True, help_text="Same number of days just before the start.")
    after = TrackedWindowSerializer(allow_null=True, help_text="From the start date to today; null before it.")
    result = TrackedResultSerializer()
    measures = TrackedMeasureSerializer(many=True)


class ChampionsSerializer(serializers.Serializer):
    """The analysis (free-form objects, as before) plus the accepted plan items being tracked."""

    period = serializers.DictField()
    parameters = serializers.DictField()
    method = serializers.DictField()
    company_agent_nps = serializers.FloatField(allow_null=True)
    company_responses = serializers.IntegerField()
    prior_weight = serializers.FloatField()
    ranking = serializers.ListField(child=serializers.DictField())
    concentration = serializers.ListField(child=serializers.DictField())
    concentrated = serializers.BooleanField()
    concentrated_department = serializers.CharField(allow_null=True)
    summary = serializers.CharField()
    plan = serializers.ListField(child=serializers.DictField())
    plan_reason = serializers.CharField(allow_blank=True)
    not_enough_answers = serializers.ListField(child=serializers.DictField())
    gaps = serializers.DictField()
    tracked = TrackedItemSerializer(
        many=True,
        help_text="Accepted plan items being tracked (whatever the period): before/after figures and the result.",
    )


class ChampionsView(APIView):
    @extend_schema(parameters=[ChampionsQuerySerializer], responses={200: ChampionsSerializer})
    def get(self, request: Request) -> Response:
        params = ChampionsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        scope = _scope(request, None)
        data = champions.analyse(**params.validated_data).as_dict()
        viewer = None
        if "department_ids" in scope:
            codes = set(Department.objects.filter(pk__in=scope["department_ids"]).values_list("code", flat=True))
            data = champions.visible_to(data, codes)
            viewer = viewer_for(request.user)
        data["tracked"] = plan_tracking.tracked(viewer=viewer)
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
