"""REST API v1 for integrations: report finished interactions (one or a batch).

A batch is validated whole, then its valid items are stored together by surveys.ingest.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from surveys.authentication import ReportsInteractions
from surveys.ingest import store_interactions
from surveys.serializers import InteractionInSerializer, InteractionOutSerializer, interaction_bodies, validated_inputs

BULK_LIMIT = 1000


class JSONBodyParser(parsers.JSONParser):
    """JSON only; nesting deep enough to exhaust Python's recursion is bad input, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc


def _config_stamp(request: Request) -> int | None:
    """The survey configuration's stamp read with the API token (surveys/authentication.py);
    None for an admin's session: then the ingest reads it itself."""
    return getattr(request.auth, "config_stamp", None)


def _bodies(stored: list[tuple[int, bool]]) -> list[tuple[int, dict]]:
    """(HTTP status, body) per stored item (interaction id, created), read after commit
    (delivery may have moved the invitation on) in one query."""
    bodies = interaction_bodies([pk for pk, _ in stored])
    return [(status.HTTP_201_CREATED if created else status.HTTP_200_OK, bodies[pk]) for pk, created in stored]


class BulkItemSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.IntegerField()
    body = InteractionOutSerializer(required=False)
    errors = serializers.DictField(required=False)


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    invalid = serializers.IntegerField()
    results = BulkItemSerializer(many=True)


class InteractionCreateView(APIView):
    parser_classes = [JSONBodyParser]
    permission_classes = [ReportsInteractions]

    @extend_schema(
        request=InteractionInSerializer,
        responses={
            201: InteractionOutSerializer,
            200: OpenApiResponse(InteractionOutSerializer, description="Already recorded: nothing new stored."),
            400: OpenApiResponse(description="Field-level validation errors."),
            401: OpenApiResponse(description="Missing or invalid token."),
            403: OpenApiResponse(description="Signed in without an API token, and not an admin."),
        },
        summary="Report a finished interaction",
    )
    def post(self, request: Request) -> Response:
        [(data, errors)] = validated_inputs([request.data])
        if errors is not None:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        [(code, body)] = _bodies(store_interactions([data], config_stamp=_config_stamp(request)))
        return Response(body, status=code)


class InteractionBulkView(APIView):
    parser_classes = [JSONBodyParser]
    permission_classes = [ReportsInteractions]

    @extend_schema(
        request=InteractionInSerializer(many=True),
        responses={
            200: BulkResultSerializer,
            400: OpenApiResponse(description="Not a list, or too long."),
            401: OpenApiResponse(description="Missing or invalid token."),
            403: OpenApiResponse(description="Signed in without an API token, and not an admin."),
        },
        summary="Report up to 1000 finished interactions; one result per item",
    )
    def post(self, request: Request) -> Response:
        items = request.data
        if not isinstance(items, list):
            return Response({"non_field_errors": ["Expected a JSON list."]}, status=status.HTTP_400_BAD_REQUEST)
        if len(items) > BULK_LIMIT:
            return Response(
                {"non_field_errors": [f"At most {BULK_LIMIT} interactions per request; got {len(items)}."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        checked = validated_inputs(items)  # the whole list first: nothing stored yet
        valid = [data for data, errors in checked if errors is None]
        answers = iter(_bodies(store_interactions(valid, config_stamp=_config_stamp(request))))
        results, counts = [], {201: 0, 200: 0, 400: 0}
        for index, (_data, errors) in enumerate(checked):
            code, body = (status.HTTP_400_BAD_REQUEST, errors) if errors is not None else next(answers)
            counts[code] += 1
            results.append({"index": index, "status": code, ("errors" if code == 400 else "body"): body})
        return Response(
            {"created": counts[201], "existing": counts[200], "invalid": counts[400], "results": results},
            status=status.HTTP_200_OK,
        )
