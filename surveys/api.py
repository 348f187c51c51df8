"""REST API v1 for integrations: report finished interactions (one or a batch)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from surveys import services
from surveys.authentication import ReportsInteractions
from surveys.serializers import InteractionInSerializer, InteractionOutSerializer

BULK_LIMIT = 1000


class JSONBodyParser(parsers.JSONParser):
    """JSON only; nesting deep enough to exhaust Python's recursion is bad input, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc


def _record(payload) -> tuple[int, dict]:
    """Validate and record one interaction; (HTTP status, body)."""
    serializer = InteractionInSerializer(data=payload)
    if not serializer.is_valid():
        return status.HTTP_400_BAD_REQUEST, serializer.errors
    recorded = services.record_interaction(serializer.to_input())
    interaction = services.refreshed(recorded.interaction)
    code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
    return code, InteractionOutSerializer(interaction).data


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
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": ["Expected a JSON object."]}, status=status.HTTP_400_BAD_REQUEST)
        code, body = _record(request.data)
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
        results, counts = [], {201: 0, 200: 0, 400: 0}
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                code, body = 400, {"non_field_errors": ["Expected a JSON object."]}
            else:
                code, body = _record(item)
            counts[code] += 1
            results.append({"index": index, "status": code, ("errors" if code == 400 else "body"): body})
        return Response(
            {"created": counts[201], "existing": counts[200], "invalid": counts[400], "results": results},
            status=status.HTTP_200_OK,
        )
