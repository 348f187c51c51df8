"""REST API v1: webhook subscriptions (DESIGN.md, "Webhooks out", **contract**).

POST /api/v1/webhooks/ {"url", "events"} → 201 {"id", "url", "events", "secret"}: the
secret is shown only then. GET lists or reads subscriptions (never their secrets), DELETE
removes one. Integrations (an API token) and admins only.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.models import WebhookSubscription
from integrations.webhooks import events, services
from surveys.api import JSONBodyParser
from surveys.models import ApiToken


class ManagesWebhooks(permissions.BasePermission):
    message = "Managing webhooks needs an API token or an admin login."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiToken):
            return True
        user = request.user
        return bool(user is not None and user.is_authenticated and user.is_staff)


class WebhookInSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, help_text="The receiver: a public http(s) URL.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=events.EVENT_TYPES),
        allow_empty=False,
        min_length=1,
        max_length=len(events.EVENT_TYPES) * 2,
        help_text="Event types to receive.",
    )
    target = serializers.ChoiceField(
        choices=WebhookSubscription.Target.choices,
        default=WebhookSubscription.Target.STANDARD,
        help_text="standard: signed JSON; slack / teams: an incoming-webhook URL of that tool.",
    )
    description = serializers.CharField(max_length=services.DESCRIPTION_MAX, required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        try:
            cleaned = services.validate(url=attrs["url"], events_=attrs["events"], target=attrs["target"])
        except services.SubscriptionInvalid as exc:
            raise serializers.ValidationError({field: [message] for field, message in exc.errors.items()}) from exc
        return {**attrs, **cleaned}


class WebhookOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "target", "description", "created_at"]


class WebhookCreatedSerializer(WebhookOutSerializer):
    secret = serializers.CharField(
        help_text="Standard Webhooks signing secret (whsec_…): shown only in this answer; keep it."
    )

    class Meta(WebhookOutSerializer.Meta):
        fields = [*WebhookOutSerializer.Meta.fields, "secret"]


AUTH_ERRORS = {
    401: OpenApiResponse(description="Missing or invalid token."),
    403: OpenApiResponse(description="Signed in without an API token, and not an admin."),
}


class WebhookListView(APIView):
    parser_classes = [JSONBodyParser]
    permission_classes = [ManagesWebhooks]

    @extend_schema(
        responses={200: WebhookOutSerializer(many=True), **AUTH_ERRORS}, summary="List webhook subscriptions"
    )
    def get(self, request: Request) -> Response:
        subscriptions = WebhookSubscription.objects.live().order_by("pk")
        return Response(WebhookOutSerializer(subscriptions, many=True).data)

    @extend_schema(
        request=WebhookInSerializer,
        responses={
            201: WebhookCreatedSerializer,
            400: OpenApiResponse(description="Unknown events, a malformed URL, or a receiver on a private address."),
            **AUTH_ERRORS,
        },
        summary="Subscribe a receiver to events",
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": ["Expected a JSON object."]}, status=status.HTTP_400_BAD_REQUEST)
        serializer = WebhookInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subscription = services.subscribe(
            url=data["url"],
            events_=data["events"],
            target=data["target"],
            description=data.get("description", ""),
            request=request,
        )
        return Response(WebhookCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    permission_classes = [ManagesWebhooks]

    @extend_schema(
        responses={200: WebhookOutSerializer, 404: OpenApiResponse(description="No such subscription."), **AUTH_ERRORS},
        summary="Read a webhook subscription",
    )
    def get(self, request: Request, pk: int) -> Response:
        subscription = get_object_or_404(WebhookSubscription.objects.live(), pk=pk)
        return Response(WebhookOutSerializer(subscription).data)

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Deleted: nothing more is sent to it."),
            404: OpenApiResponse(description="No such subscription."),
            **AUTH_ERRORS,
        },
        summary="Delete a webhook subscription",
    )
    def delete(self, request: Request, pk: int) -> Response:
        subscription = get_object_or_404(WebhookSubscription.objects.live(), pk=pk)
        services.unsubscribe(subscription, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
