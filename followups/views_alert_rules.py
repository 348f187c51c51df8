"""/manage/alerts/: admins list, add, change and delete alert rules and see what fired."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from agents.roles import staff_required
from agents.views_manage import manage_render
from followups.forms_alert_rules import AlertRuleForm
from followups.models import AlertFiring, AlertRule

RECENT_FIRINGS = 30


@staff_required
def rule_list(request: HttpRequest) -> HttpResponse:
    context = {
        "rules": AlertRule.objects.select_related("department"),
        "firings": AlertFiring.objects.select_related("rule")[:RECENT_FIRINGS],
    }
    return manage_render(request, "editor/alert_rules.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(AlertRule, pk=pk) if pk else None
    form = AlertRuleForm(request.POST or None, instance=rule)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
            messages.success(request, f"Alert rule “{saved.name}” saved.")
            return redirect("manage-alert-rules")
        status = 400
    return manage_render(request, "editor/alert_rule_form.html", {"form": form, "rule": rule}, status=status)


@staff_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(AlertRule, pk=pk)
    rule.delete()
    messages.success(request, f"Alert rule “{rule.name}” deleted.")
    return redirect("manage-alert-rules")
