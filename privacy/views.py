"""The privacy page (admins only): erase one customer's personal data by email or phone,
in two steps (find, then confirm), and see the audit trail and the retention setting."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agents.roles import viewer_for
from privacy import services
from privacy.models import AuditEntry

RECENT = 20


class ErasureForm(forms.Form):
    email = forms.EmailField(required=False, label="Customer email", max_length=254)
    phone = forms.CharField(
        required=False,
        label="or phone",
        max_length=32,
        help_text="International format, e.g. +62 812 3456 7890.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    confirm = forms.BooleanField(
        required=False, label="I have checked this request and want to erase this customer's personal data"
    )

    def clean(self) -> dict:
        data = super().clean()
        email, phone = data.get("email") or "", data.get("phone") or ""
        if "email" in self.errors:
            return data
        if email and phone:
            raise forms.ValidationError("Give the email or the phone, not both: erase one identifier at a time.")
        if not email and not phone:
            raise forms.ValidationError("Give the customer's email or phone.")
        if phone and not services.normalise("phone", phone):
            self.add_error("phone", "Enter a phone number with digits.")
        return data


@login_required
@require_http_methods(["GET", "POST"])
def erasure(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    if not viewer.is_admin:
        raise PermissionDenied("Only admins can erase personal data.")
    form = ErasureForm(request.POST or None)
    preview, status = None, 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            data = form.cleaned_data
            identifier = {"email": data["email"], "phone": data["phone"]}
            if request.POST.get("action") == "erase":
                if not data["confirm"]:
                    form.add_error("confirm", "Tick the box to confirm the erasure.")
                    preview, status = services.preview_erasure(**identifier), 400
                else:
                    entry = services.erase_customer(**identifier, requested_by=request.user, request=request)
                    messages.success(
                        request,
                        f"Erased: {entry.counts['interactions']} interaction(s) cleared, "
                        f"{entry.counts['comments_removed']} comment(s) removed. Scores are kept. "
                        f"Audit entry {entry.pk}.",
                    )
                    return redirect("dashboard-privacy")
            else:
                preview = services.preview_erasure(**identifier)
    context = {
        "viewer": viewer,
        "erasure_form": form,
        "preview": preview,
        "entries": AuditEntry.objects.select_related("requested_by")[:RECENT],
        "retention_months": settings.RETENTION_MONTHS,
    }
    return render(request, "dashboard/privacy.html", context, status=status)
