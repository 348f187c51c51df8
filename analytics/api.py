"""REST API v1 analytics: NPS figures and the champion analysis."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import champions, selectors
from analytics.params import NpsQuerySerializer, PeriodSerializer


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


def _query_params(serializer_class):
    return [OpenApiParameter(name, required=False, type=str) for name in serializer_class().fields]


class NpsView(APIView):
    @extend_schema(parameters=_query_params(NpsQuerySerializer), responses=NpsRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = NpsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = selectors.nps_by(**params.validated_data)
        return Response([row.as_dict() for row in rows])


class ChampionsQuerySerializer(PeriodSerializer):
    """The period plus the ranking's knobs; omitted ones use CHAMPION_MIN_RESPONSES / CHAMPION_TOP_N."""

    min_responses = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    top_n = serializers.IntegerField(required=False, min_value=1, max_value=200)


class ChampionsView(APIView):
    @extend_schema(parameters=_query_params(ChampionsQuerySerializer), responses={200: dict})
    def get(self, request: Request) -> Response:
        params = ChampionsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        analysis = champions.analyse(**params.validated_data)
        return Response(analysis.as_dict())
