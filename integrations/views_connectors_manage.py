"""Connectors in, for admins: /manage/integrations/ lists and creates them; each connector's
page has its receiving URL, setup steps, options, secret and dead letters."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from agents.roles import staff_required
from agents.views_manage import manage_render
from integrations import services_connectors
from integrations.connectors.zendesk import body_template
from integrations.forms_connectors import ConnectorForm, NewConnectorForm, SecretForm
from integrations.models_connectors import Connector, DeadLetter

DEAD_LETTERS_SHOWN = 50


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def integrations(request: HttpRequest) -> HttpResponse:
    form = NewConnectorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        connector = services_connectors.create_connector(request=request, **form.cleaned_data)
        messages.success(request, f"Connector “{connector.name}” created: follow the steps below to connect it.")
        return redirect("manage-connector", pk=connector.pk)
    waiting = Q(dead_letters__outcome__in=[DeadLetter.Outcome.WAITING, DeadLetter.Outcome.FAILED])
    connectors = Connector.objects.select_related("default_department").annotate(
        waiting=Count("dead_letters", filter=waiting)
    )
    status = 400 if form.is_bound else 200
    return manage_render(request, "editor/integrations.html", {"form": form, "connectors": connectors}, status=status)


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def connector_detail(request: HttpRequest, pk: int) -> HttpResponse:
    connector = get_object_or_404(Connector.objects.select_related("default_department"), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    # The form edits its own copy: an invalid post must not rename the page it is shown on.
    form = ConnectorForm(request.POST if action == "options" else None, instance=Connector.objects.get(pk=pk))
    secret_form = SecretForm(request.POST if action == "secret" else None)
    status = 200
    if action == "options":
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            if changed:
                services_connectors.update_connector(connector, request=request, changed=changed)
            messages.success(request, "Connector saved." if changed else "Nothing changed.")
            return redirect("manage-connector", pk=connector.pk)
        status = 400
    elif action == "secret":
        if secret_form.is_valid():
            secret = secret_form.cleaned_data["signing_secret"]
            services_connectors.replace_secret(connector, request=request, secret=secret)
            messages.success(request, "Signing secret saved: events are checked against it from now on.")
            return redirect("manage-connector", pk=connector.pk)
        status = 400
    elif action is not None:
        status = 400
    letters = connector.dead_letters.filter(outcome__in=[DeadLetter.Outcome.WAITING, DeadLetter.Outcome.FAILED])
    replayed = connector.dead_letters.exclude(outcome__in=[DeadLetter.Outcome.WAITING, DeadLetter.Outcome.FAILED])
    context = {
        "connector": connector,
        "form": form,
        "secret_form": secret_form,
        "letters": letters[:DEAD_LETTERS_SHOWN],
        "letter_count": letters.count(),
        "replayed": replayed.select_related("interaction")[:10],
        "zendesk_template": body_template(connector.department_field.strip())
        if connector.platform == Connector.Platform.ZENDESK
        else "",
    }
    return manage_render(request, "editor/connector_detail.html", context, status=status)


@staff_required
@require_POST
def connector_rotate_url(request: HttpRequest, pk: int) -> HttpResponse:
    connector = get_object_or_404(Connector, pk=pk)
    services_connectors.rotate_url(connector, request=request)
    messages.success(request, "New receiving URL: paste it into the platform; the old one is refused from now on.")
    return redirect("manage-connector", pk=connector.pk)


@staff_required
@require_POST
def connector_delete(request: HttpRequest, pk: int) -> HttpResponse:
    connector = get_object_or_404(Connector, pk=pk)
    name = connector.name
    services_connectors.delete_connector(connector, request=request)
    messages.success(request, f"Connector “{name}” deleted: its URL is refused from now on.")
    return redirect("manage-integrations")


@staff_required
@require_POST
def dead_letter_replay(request: HttpRequest, pk: int, letter: int) -> HttpResponse:
    dead_letter = get_object_or_404(DeadLetter.objects.select_related("connector"), pk=letter, connector_id=pk)
    outcome = services_connectors.replay(dead_letter)
    if outcome.status == "stored":
        messages.success(request, "Replayed: the interaction is stored.")
    elif outcome.status == "duplicate":
        messages.success(request, "Replayed: this interaction was already stored, nothing new was created.")
    else:
        messages.error(request, f"Still cannot be mapped: {outcome.reason}")
    return redirect("manage-connector", pk=pk)


@staff_required
@require_POST
def dead_letter_discard(request: HttpRequest, pk: int, letter: int) -> HttpResponse:
    dead_letter = get_object_or_404(DeadLetter, pk=letter, connector_id=pk)
    services_connectors.discard(dead_letter)
    messages.success(request, "Dead letter discarded.")
    return redirect("manage-connector", pk=pk)
