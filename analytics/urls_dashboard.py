from django.urls import path

from analytics.dashboard import agents, cases, champions, comments, departments, drivers, overview

urlpatterns = [
    path("", overview.overview, name="dashboard-overview"),
    path("departments/", departments.departments, name="dashboard-departments"),
    path("agents/", agents.agent_list, name="dashboard-agents"),
    path("agents/<int:pk>/", agents.agent_detail, name="dashboard-agent"),
    path("me/", agents.my_page, name="dashboard-me"),
    path("champions/", champions.champions, name="dashboard-champions"),
    path("comments/", comments.comments, name="dashboard-comments"),
    path("drivers/", drivers.drivers, name="dashboard-drivers"),
    path("cases/", cases.case_list, name="dashboard-cases"),
    path("cases/mine/", cases.my_cases, name="dashboard-cases-mine"),
    path("cases/alerts/", cases.alert_settings, name="dashboard-case-alerts"),
    path("cases/<int:pk>/", cases.case_detail, name="dashboard-case"),
]
