"""/manage/themes/: admins edit the taxonomy (names, descriptions, phrases and examples per
language), add their own themes, and preview the effect on recent comments before saving.
Saving re-tags every comment as a task."""

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from agents.roles import staff_required
from agents.views_manage import manage_render
from analytics.themes import services, tagging
from analytics.themes.forms import LANGUAGES, ThemeForm
from analytics.themes.models import Theme


@staff_required
def theme_list(request: HttpRequest) -> HttpResponse:
    themes = Theme.objects.annotate(mention_count=Count("mentions")).order_by("position", "key")
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


@staff_required
@require_POST
def theme_from_topic(request: HttpRequest) -> HttpResponse:
    """One click on a new topic: a theme whose phrases are the topic's top words (inactive
    words can be pruned on the edit page it opens); saving re-tags the comments."""
    language = request.POST.get("language", "")
    topic_words = [w.strip() for w in request.POST.get("words", "").split(",") if w.strip()][:5]
    if language not in dict(LANGUAGES) or not topic_words or any(len(w) > 40 for w in topic_words):
        return HttpResponseBadRequest("A topic needs a language (en, id, es) and its words.")
    theme = services.theme_from_topic(language, topic_words)
    messages.success(request, f"Theme “{theme.name()}” created from the topic. Comments are being tagged again.")
    return redirect("manage-theme", pk=theme.pk)
