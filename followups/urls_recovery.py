from django.urls import path

from followups import views_recovery

urlpatterns = [
    path("<str:token>/", views_recovery.recovery_page, name="recovery-page"),
    path("<str:token>/thanks/", views_recovery.recovery_thanks, name="recovery-thanks"),
]
