"""Connectors in: the admins' pages under /manage/ and the receiving endpoint platforms post to."""

from django.urls import path

from integrations import views_connectors
from integrations import views_connectors_manage as views

manage_urlpatterns = [
    path("integrations/", views.integrations, name="manage-integrations"),
    path("integrations/connectors/<int:pk>/", views.connector_detail, name="manage-connector"),
    path("integrations/connectors/<int:pk>/new-url/", views.connector_rotate_url, name="manage-connector-rotate-url"),
    path("integrations/connectors/<int:pk>/delete/", views.connector_delete, name="manage-connector-delete"),
    path(
        "integrations/connectors/<int:pk>/dead-letters/<int:letter>/replay/",
        views.dead_letter_replay,
        name="manage-connector-replay",
    ),
    path(
        "integrations/connectors/<int:pk>/dead-letters/<int:letter>/discard/",
        views.dead_letter_discard,
        name="manage-connector-discard",
    ),
]

public_urlpatterns = [
    path("<str:key>/", views_connectors.receive, name="connector-receive"),
]
