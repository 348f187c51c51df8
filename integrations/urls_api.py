from django.urls import path

from integrations import api_webhooks

urlpatterns = [
    path("webhooks/", api_webhooks.WebhookListView.as_view(), name="api-webhooks"),
    path("webhooks/<int:pk>/", api_webhooks.WebhookDetailView.as_view(), name="api-webhook"),
]
