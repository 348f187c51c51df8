"""Follow-up pages under /dashboard/ (included next to analytics' dashboard URLs)."""

from django.urls import path

from followups import views_cases, views_coaching, views_promoters

urlpatterns = [
    path("cases/", views_cases.case_list, name="dashboard-cases"),
    path("cases/mine/", views_cases.my_cases, name="dashboard-cases-mine"),
    path("cases/alerts/", views_cases.alert_settings, name="dashboard-case-alerts"),
    path("cases/<int:pk>/", views_cases.case_detail, name="dashboard-case"),
    path("promoters/", views_promoters.promoter_list, name="dashboard-promoters"),
    path("promoters/<int:pk>/thank/", views_promoters.mark_thanked, name="dashboard-promoter-thank"),
    path("coaching/", views_coaching.coaching_queue, name="dashboard-coaching"),
    path("coaching/agents/<int:pk>/", views_coaching.coaching_agent, name="dashboard-coaching-agent"),
    path("coaching/agents/<int:pk>/notes/", views_coaching.add_note, name="dashboard-coaching-note"),
    path("coaching/agents/<int:pk>/goals/", views_coaching.set_goal, name="dashboard-coaching-goal"),
    path("coaching/agents/<int:pk>/kudos/", views_coaching.send_kudos, name="dashboard-coaching-kudos"),
    path("coaching/goals/<int:goal_pk>/close/", views_coaching.close_goal, name="dashboard-coaching-goal-close"),
]
