from django.urls import path

from privacy import views_audit

urlpatterns = [
    path("audit/", views_audit.audit_list, name="manage-audit"),
]
