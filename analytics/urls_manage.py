from django.urls import path

from analytics import views_themes

urlpatterns = [
    path("themes/", views_themes.theme_list, name="manage-themes"),
    path("themes/new/", views_themes.theme_edit, name="manage-theme-new"),
    path("themes/<int:pk>/", views_themes.theme_edit, name="manage-theme"),
    path("themes/from-topic/", views_themes.theme_from_topic, name="manage-theme-from-topic"),
]
