"""Import interactions from a file: /manage/import/ (admins)."""

from django.urls import path

from integrations import views_import

urlpatterns = [
    path("", views_import.import_start, name="manage-import"),
    path("<int:pk>/", views_import.import_job, name="manage-import-job"),
    path("<int:pk>/status.json", views_import.import_status, name="manage-import-status"),
    path("<int:pk>/rows.csv", views_import.import_rows_csv, name="manage-import-rows"),
]
