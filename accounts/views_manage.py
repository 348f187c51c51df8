"""/manage/sso-groups/: which groups of the identity provider make admins, supervisors
(of which departments) and agents. Every change is in the audit log."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import GroupMappingForm
from accounts.models import GroupMapping
from accounts.oidc import sso_enabled
from agents.roles import staff_required
from agents.views_manage import manage_render
from privacy import audit


def _described(mapping: GroupMapping) -> dict:
    return {
        "group": mapping.claim_value,
        "role": mapping.role,
        "departments": sorted(mapping.departments.values_list("code", flat=True)),
    }


@staff_required
def group_list(request: HttpRequest) -> HttpResponse:
    context = {
        "mappings": GroupMapping.objects.prefetch_related("departments"),
        "sso_enabled": sso_enabled(),
        "claim": settings.OIDC_GROUPS_CLAIM,
    }
    return manage_render(request, "accounts/group_mappings.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    mapping = get_object_or_404(GroupMapping, pk=pk) if pk else None
    form = GroupMappingForm(request.POST or None, instance=mapping)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                before = _described(mapping) if mapping else None
                saved = form.save()
                action = "sso_group.updated" if before else "sso_group.created"
                details = {"before": before, "after": _described(saved)}
                audit.record(action, target=saved, request=request, details=details)
            messages.success(request, f"Group “{saved.claim_value}” saved. It applies at each member's next sign-in.")
            return redirect("manage-sso-groups")
        status = 400
    return manage_render(request, "accounts/group_mapping_form.html", {"form": form, "mapping": mapping}, status=status)


@staff_required
@require_POST
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mapping = get_object_or_404(GroupMapping, pk=pk)
    with transaction.atomic():
        audit.record("sso_group.deleted", target=mapping, request=request, details={"before": _described(mapping)})
        mapping.delete()
    messages.success(
        request, f"Group “{mapping.claim_value}” removed. Its members lose what it granted at their next sign-in."
    )
    return redirect("manage-sso-groups")
