from django.urls import path

from analytics.dashboard import (
    agents,
    champions,
    comments,
    departments,
    digest_settings,
    drivers,
    exports,
    overview,
    themes,
    week,
)
from privacy import views as privacy_views

urlpatterns = [
    path("", overview.overview, name="dashboard-overview"),
    path("departments/", departments.departments, name="dashboard-departments"),
    path("agents/", agents.agent_list, name="dashboard-agents"),
    path("agents/<int:pk>/", agents.agent_detail, name="dashboard-agent"),
    path("me/", agents.my_page, name="dashboard-me"),
    path("champions/", champions.champions, name="dashboard-champions"),
    path("champions/plan/accept/", champions.accept_plan_item, name="dashboard-champions-accept"),
    path("champions/plan/<int:pk>/stop/", champions.stop_plan_item, name="dashboard-champions-stop"),
    path("comments/", comments.comments, name="dashboard-comments"),
    path("drivers/", drivers.drivers, name="dashboard-drivers"),
    path("themes/", themes.themes_page, name="dashboard-themes"),
    path("week/", week.week_page, name="dashboard-week"),
    path("export/", exports.export, name="dashboard-export"),
    path("privacy/", privacy_views.erasure, name="dashboard-privacy"),
    path("settings/email/", digest_settings.digest_settings, name="dashboard-digest-settings"),
    path("digest/unsubscribe/<str:token>/", digest_settings.digest_unsubscribe, name="dashboard-digest-unsubscribe"),
]
