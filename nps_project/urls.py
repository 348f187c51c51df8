from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from nps_project import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", include("analytics.urls_dashboard")),
    path("manage/", include("surveys.urls_manage")),
    path("manage/", include("agents.urls_manage")),
    path("", RedirectView.as_view(pattern_name="dashboard-overview", permanent=False), name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("surveys.urls_api")),
    path("api/v1/", include("analytics.urls_api")),
    path("", include("surveys.urls_public")),
    path("r/", include("analytics.urls_recovery")),
]

# A lost database answers 503 with Retry-After (JSON under /api/), never a 500.
handler500 = "nps_project.db_unavailable.server_error"
