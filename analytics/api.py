"""REST API v1 analytics: NPS figures and the champion analysis."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.models import Department
from agents.roles import viewer_for
from analytics import champions, selectors
from analytics.params import NpsQuerySerializer, PeriodSerializer
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
        params = NpsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = selectors.nps_by(**params.validated_data, **_scope(request, params.validated_data.get("department")))
        return Response([row.as_dict() for row in rows])


def _scope(request: Request, department) -> dict:
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
