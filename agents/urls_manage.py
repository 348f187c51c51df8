from django.urls import path

from agents import views_manage

urlpatterns = [
    path("departments/", views_manage.department_list, name="manage-departments"),
    path("departments/new/", views_manage.department_edit, name="manage-department-new"),
    path("departments/<int:pk>/", views_manage.department_edit, name="manage-department"),
    path("agents/", views_manage.agent_list, name="manage-agents"),
    path("agents/<int:pk>/", views_manage.agent_detail, name="manage-agent"),
    path("users/", views_manage.user_list, name="manage-users"),
    path("users/unlock/", views_manage.user_unlock, name="manage-user-unlock"),
    path("users/new/", views_manage.user_edit, name="manage-user-new"),
    path("users/<int:pk>/", views_manage.user_edit, name="manage-user"),
]
