"""Follow-up pages under /dashboard/ (included next to analytics' dashboard URLs)."""

from django.urls import path

from followups import views_cases, views_promoters

urlpatterns = [
    path("cases/", views_cases.case_list, name="dashboard-cases"),
    path("cases/mine/", views_cases.my_cases, name="dashboard-cases-mine"),
    path("cases/alerts/", views_cases.alert_settings, name="dashboard-case-alerts"),
    path("cases/<int:pk>/", views_cases.case_detail, name="dashboard-case"),
    path("promoters/", views_promoters.promoter_list, name="dashboard-promoters"),
    path("promoters/<int:pk>/thank/", views_promoters.mark_thanked, name="dashboard-promoter-thank"),
]
