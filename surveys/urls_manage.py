"""The admins' area: /manage/ (surveys here; departments, agents and users in agents/urls_manage.py)."""

from django.urls import path
from django.views.generic import RedirectView

from surveys.editor import tokens, views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="manage-surveys", permanent=False), name="manage"),
    path("surveys/", views.survey_list, name="manage-surveys"),
    path("surveys/new/", views.survey_edit, name="manage-survey-new"),
    path("surveys/new/preview/", views.survey_preview, name="manage-survey-preview-new"),
    path("surveys/<int:pk>/", views.survey_edit, name="manage-survey-edit"),
    path("surveys/<int:pk>/preview/", views.survey_preview, name="manage-survey-preview"),
    path("surveys/<int:pk>/versions/", views.survey_versions, name="manage-survey-versions"),
    path("surveys/<int:pk>/duplicate/", views.survey_duplicate, name="manage-survey-duplicate"),
    path("surveys/<int:pk>/active/", views.survey_set_active, name="manage-survey-active"),
    path("surveys/<int:pk>/default/", views.survey_make_default, name="manage-survey-default"),
    path("tokens/", tokens.token_list, name="manage-tokens"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="manage-token-revoke"),
]
