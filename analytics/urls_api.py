from django.urls import path

from analytics import api

urlpatterns = [
    path("nps/", api.NpsView.as_view(), name="api-nps"),
    path("champions/", api.ChampionsView.as_view(), name="api-champions"),
    path("themes/", api.ThemesView.as_view(), name="api-themes"),
]
