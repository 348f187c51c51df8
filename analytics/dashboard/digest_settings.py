"""Email settings: each user switches their weekly digest on or off here (every role,
agents included), or with the one-click link in the digest itself, which works without
signing in because it carries a signed token for that one user."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agents.roles import viewer_for
from analytics import digests


class DigestPreferenceForm(forms.Form):
    weekly_digest = forms.BooleanField(
        required=False,
        label="Send me the weekly digest",
        help_text="Mondays: last week's NPS for what you see (the company, your departments or yourself), "
        "with the change on the week before, cases and a few comments.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def digest_settings(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    data = request.POST if request.method == "POST" else None
    form = DigestPreferenceForm(data, initial={"weekly_digest": digests.wants_digest(request.user)})
    if request.method == "POST" and form.is_valid():
        on = form.cleaned_data["weekly_digest"]
        digests.set_digest(request.user, on=on)
        messages.success(request, "Saved: the weekly digest is " + ("on." if on else "off."))
        return redirect("dashboard-digest-settings")
    context = {"viewer": viewer, "digest_form": form, "has_email": bool(request.user.email)}
    return render(request, "dashboard/digest_settings.html", context)


@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks, POST switches off: mail scanners that open links must not unsubscribe anyone."""
    user = digests.user_for_unsubscribe_token(token)
    if user is None:
        return render(request, "dashboard/digest_unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        digests.set_digest(user, on=False)
        done = True
    context = {
        "user_name": user.get_full_name() or user.get_username(),
        "done": done,
        "off": not digests.wants_digest(user),
    }
    return render(request, "dashboard/digest_unsubscribe.html", context)
