"""/manage/themes/: admins edit the taxonomy (names, descriptions, phrases and examples per
language), add their own themes, and preview the effect on recent comments before saving.
Saving re-tags every comment as a task."""

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods

from agents.roles import staff_required
from agents.views_manage import manage_render
from analytics.themes import services, tagging
from analytics.themes.forms import LANGUAGES, ThemeForm
from analytics.themes.models import Theme


@staff_required
def theme_list(request: HttpRequest) -> HttpResponse:
    themes = Theme.objects.annotate(mention_count=Count("mentions"))
    return manage_render(request, "editor/themes.html", {"themes": themes, "pending": tagging.pending_count()})


@staff_required
@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    theme = get_object_or_404(Theme, pk=pk) if pk else None
    form = ThemeForm(request.POST or None, theme=theme)
    context = {"form": form, "theme": theme, "languages": LANGUAGES}
    if request.method == "POST":
        if not form.is_valid():
            return manage_render(request, "editor/theme_form.html", context, status=400)
        edited = form.apply()
        if "preview" in request.POST:
            context["preview"] = services.preview(edited)
            return manage_render(request, "editor/theme_form.html", context)
        services.save_theme(edited)
        messages.success(request, f"Theme “{edited.name()}” saved. Comments are being tagged again.")
        return redirect("manage-themes")
    return manage_render(request, "editor/theme_form.html", context)
