"""Webhooks, for admins (/manage/integrations/webhooks/): subscribe a receiver (its secret
shown once), see each one's recent deliveries, send a test event, replay a delivery, delete."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from agents.roles import staff_required
from agents.views_manage import manage_render
from integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from integrations.webhooks import services

RECENT_DELIVERIES = 10


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label="Receiver URL",
        max_length=2000,
        help_text="A public https:// address. For Slack or Teams, the incoming-webhook URL the tool gave you.",
        error_messages={"required": "Enter the receiver's URL."},
    )
    target = forms.ChoiceField(
        label="Format",
        choices=WebhookSubscription.Target.choices,
        initial=WebhookSubscription.Target.STANDARD,
        help_text="Slack and Teams get messages they display; detractor alerts link to the case.",
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=[(value, f"{value}: {label}") for value, label in WebhookEvent.choices],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    description = forms.CharField(
        label="Description", max_length=services.DESCRIPTION_MAX, required=False, help_text="What receives it, for you."
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.validate(url=cleaned["url"], events_=cleaned["events"], target=cleaned["target"])
        except services.SubscriptionInvalid as exc:
            for field, message in exc.errors.items():
                self.add_error(field if field in self.fields else None, message)
        return cleaned


def _recent_deliveries(subscriptions: list[WebhookSubscription]) -> dict[int, list[WebhookDelivery]]:
    """The last few deliveries of each subscription, in one query."""
    ranked = WebhookDelivery.objects.filter(subscription__in=subscriptions).annotate(
        rank=Window(RowNumber(), partition_by=F("subscription_id"), order_by=[F("created_at").desc(), F("pk").desc()])
    )
    by_subscription: dict[int, list[WebhookDelivery]] = {s.pk: [] for s in subscriptions}
    for delivery in ranked.filter(rank__lte=RECENT_DELIVERIES).order_by("subscription_id", "rank"):
        by_subscription[delivery.subscription_id].append(delivery)
    return by_subscription


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.subscribe(
                    url=data["url"],
                    events_=data["events"],
                    target=data["target"],
                    description=data["description"],
                    request=request,
                )
            except services.SubscriptionInvalid as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                form = SubscriptionForm()
        if created is None:
            status = 400
    subscriptions = list(WebhookSubscription.objects.live().order_by("pk"))
    recent = _recent_deliveries(subscriptions)
    context = {
        "form": form,
        "created": created,
        "rows": [(subscription, recent[subscription.pk]) for subscription in subscriptions],
        "max_attempts": settings.WEBHOOK_MAX_ATTEMPTS,
    }
    return manage_render(request, "editor/webhooks.html", context, status=status)


@staff_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription.objects.live(), pk=pk)
    services.unsubscribe(subscription, request=request)
    messages.success(request, f"Webhook to {subscription.url} deleted: nothing more is sent to it.")
    return redirect("manage-webhooks")


@staff_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription.objects.live(), pk=pk)
    services.send_test(subscription, request=request)
    messages.success(
        request, f"Test event queued for {subscription.url}. Reload in a moment to see how its delivery went."
    )
    return redirect("manage-webhooks")


@staff_required
@require_POST
def delivery_replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("subscription"), pk=pk)
    if services.replay(delivery, request=request):
        messages.success(request, f"Delivery {delivery.message_id} queued again with a fresh set of tries.")
    else:
        messages.error(request, "That delivery is still being tried, or its webhook was deleted: nothing to replay.")
    return redirect("manage-webhooks")
