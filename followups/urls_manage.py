from django.urls import path

from followups import views_alert_rules

urlpatterns = [
    path("alerts/", views_alert_rules.rule_list, name="manage-alert-rules"),
    path("alerts/new/", views_alert_rules.rule_edit, name="manage-alert-rule-new"),
    path("alerts/<int:pk>/", views_alert_rules.rule_edit, name="manage-alert-rule"),
    path("alerts/<int:pk>/delete/", views_alert_rules.rule_delete, name="manage-alert-rule-delete"),
]
