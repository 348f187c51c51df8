"""Integration API tokens, for admins: create one (its key is shown once), revoke one."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from agents.roles import staff_required
from agents.views_manage import manage_render
from privacy import audit
from surveys.models import ApiToken
from surveys.services_tokens import create_api_token
from surveys.validators import FreeTextForm


class TokenForm(FreeTextForm, forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, such as zendesk-production. Each integration gets its own.",
        error_messages={"required": "Give the token a name."},
    )


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    key = create_api_token(name=form.cleaned_data["name"], created_by=request.user)
                    token = ApiToken.objects.get(prefix=key[:8], name=form.cleaned_data["name"].strip())
                    audit.record("token.created", target=token, request=request, details={"prefix": token.prefix})
            except ValueError as error:
                form.add_error("name", str(error))
            else:
                created = {"name": form.cleaned_data["name"].strip(), "key": key}
                form = TokenForm()
        if created is None:
            status = 400
    tokens = ApiToken.objects.select_related("created_by").order_by("-active", "name")
    context = {"form": form, "tokens": tokens, "created": created}
    return manage_render(request, "editor/tokens.html", context, status=status)


@staff_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(active=False)
        audit.record("token.revoked", target=token, request=request, details={"prefix": token.prefix})
    messages.success(request, f"Token “{token.name}” revoked: requests with it are refused from now on.")
    return redirect("manage-tokens")
