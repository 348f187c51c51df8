from django.urls import path

from analytics.dashboard import (
    agents,
    cases,
    champions,
    comments,
    departments,
    digest_settings,
    drivers,
    exports,
    overview,
    promoters,
    themes,
)
from privacy import views as privacy_views

urlpatterns = [
    path("", overview.overview, name="dashboard-overview"),
    path("departments/", departments.departments, name="dashboard-departments"),
    path("agents/", agents.agent_list, name="dashboard-agents"),
    path("agents/<int:pk>/", agents.agent_detail, name="dashboard-agent"),
    path("me/", agents.my_page, name="dashboard-me"),
    path("champions/", champions.champions, name="dashboard-champions"),
    path("comments/", comments.comments, name="dashboard-comments"),
    path("drivers/", drivers.drivers, name="dashboard-drivers"),
    path("themes/", themes.themes_page, name="dashboard-themes"),
    path("cases/", cases.case_list, name="dashboard-cases"),
    path("cases/mine/", cases.my_cases, name="dashboard-cases-mine"),
    path("cases/alerts/", cases.alert_settings, name="dashboard-case-alerts"),
    path("cases/<int:pk>/", cases.case_detail, name="dashboard-case"),
    path("promoters/", promoters.promoter_list, name="dashboard-promoters"),
    path("promoters/<int:pk>/thank/", promoters.mark_thanked, name="dashboard-promoter-thank"),
    path("export/", exports.export, name="dashboard-export"),
    path("privacy/", privacy_views.erasure, name="dashboard-privacy"),
    path("settings/email/", digest_settings.digest_settings, name="dashboard-digest-settings"),
    path("digest/unsubscribe/<str:token>/", digest_settings.digest_unsubscribe, name="dashboard-digest-unsubscribe"),
]
