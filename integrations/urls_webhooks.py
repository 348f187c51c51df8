"""/manage/integrations/webhooks/: the admins' webhook pages."""

from django.urls import path

from integrations import views_webhooks

urlpatterns = [
    path("", views_webhooks.webhook_list, name="manage-webhooks"),
    path("<int:pk>/delete/", views_webhooks.webhook_delete, name="manage-webhook-delete"),
    path("<int:pk>/test/", views_webhooks.webhook_test, name="manage-webhook-test"),
    path("deliveries/<int:pk>/replay/", views_webhooks.delivery_replay, name="manage-webhook-replay"),
]
