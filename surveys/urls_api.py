from django.urls import path

from surveys import api, api_responses

urlpatterns = [
    path("interactions/", api.InteractionCreateView.as_view(), name="api-interactions"),
    path("interactions/bulk/", api.InteractionBulkView.as_view(), name="api-interactions-bulk"),
    path("responses/", api_responses.ResponseListView.as_view(), name="api-responses"),
]
