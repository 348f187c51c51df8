from django.urls import path

from surveys import api

urlpatterns = [
    path("interactions/", api.InteractionCreateView.as_view(), name="api-interactions"),
    path("interactions/bulk/", api.InteractionBulkView.as_view(), name="api-interactions-bulk"),
]
