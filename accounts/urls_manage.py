from django.urls import path

from accounts import views_manage

urlpatterns = [
    path("sso-groups/", views_manage.group_list, name="manage-sso-groups"),
    path("sso-groups/new/", views_manage.group_edit, name="manage-sso-group-new"),
    path("sso-groups/<int:pk>/", views_manage.group_edit, name="manage-sso-group"),
    path("sso-groups/<int:pk>/delete/", views_manage.group_delete, name="manage-sso-group-delete"),
]
