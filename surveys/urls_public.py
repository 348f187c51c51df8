from django.urls import path

from surveys import views_public

urlpatterns = [
    path("s/theme.css", views_public.theme_css, name="survey-theme"),
    path("s/<str:token>/", views_public.survey_page, name="survey-page"),
    path("s/<str:token>/thanks/", views_public.survey_thanks, name="survey-thanks"),
]
