from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from integrations import urls_connectors
from nps_project import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),  # login, password reset, two-factor, SSO
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", include("analytics.urls_dashboard")),
    path("dashboard/", include("followups.urls_dashboard")),
    path("manage/", include("surveys.urls_manage")),
    path("manage/", include("agents.urls_manage")),
    path("manage/", include("followups.urls_manage")),
    path("manage/", include(urls_connectors.manage_urlpatterns)),
    path("manage/integrations/webhooks/", include("integrations.urls_webhooks")),
    path("manage/import/", include("integrations.urls_import")),
    path("manage/", include("accounts.urls_manage")),
    path("manage/", include("privacy.urls_manage")),
    path("manage/", include("analytics.urls_manage")),
    path("", RedirectView.as_view(pattern_name="dashboard-overview", permanent=False), name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("surveys.urls_api")),
    path("api/v1/", include("analytics.urls_api")),
    path("api/v1/", include("integrations.urls_api")),
    path("", include("surveys.urls_public")),
    path("r/", include("followups.urls_recovery")),
    path("integrations/in/", include(urls_connectors.public_urlpatterns)),
]

handler404 = "nps_project.api_errors.not_found"
# A lost database answers 503 with Retry-After (JSON under /api/), never a 500.
handler500 = "nps_project.db_unavailable.server_error"
