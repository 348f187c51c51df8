"""The survey page speaks the customer's language: the invitation's first, else the browser's
(Accept-Language), else English; every string the customer can meet is translated."""

import gettext
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from surveys.models import Response
from tests.factories import AgentFactory, InvitationFactory

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
TRANSLATED = ["id", "es"]


def invitation(language: str):
    return InvitationFactory(
        interaction__agent=AgentFactory(name="Budi Santoso"), interaction__language=language, language=language
    )


def page_text(reply) -> str:
    return reply.content.decode()


def test_invitation_language_is_used_whatever_the_browser_says(client):
    sent = invitation("id")

    reply = client.get(f"/s/{sent.token}/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")

    assert reply.status_code == 200
    assert reply["Content-Language"] == "id"
    assert '<html lang="id">' in page_text(reply)
    assert "Seberapa besar kemungkinan Anda merekomendasikan Budi" in page_text(reply)
    assert "0 = sangat tidak mungkin" in page_text(reply)


def test_without_an_invitation_language_the_page_follows_the_browser(client):
    sent = invitation("")

    reply = client.get(f"/s/{sent.token}/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")

    assert reply["Content-Language"] == "es"
    assert '<html lang="es">' in page_text(reply)
    assert "¿Qué tan probable es que recomiende a Budi" in page_text(reply)
    assert "Enviar mis respuestas" in page_text(reply)


def test_an_answer_is_stored_in_the_language_the_customer_read(client):
    sent = invitation("")

    reply = client.post(
        f"/s/{sent.token}/", {"company_score": "8", "agent_score": "9", "why": "Rápido"}, HTTP_ACCEPT_LANGUAGE="es"
    )

    assert reply.status_code == 302
    assert Response.objects.get(invitation=sent).language == "es"
    thanks = client.get(reply["Location"], HTTP_ACCEPT_LANGUAGE="es")
    assert "¡Gracias!" in page_text(thanks)


def test_an_unsupported_browser_language_falls_back_to_english(client):
    sent = invitation("")

    reply = client.get(f"/s/{sent.token}/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert reply["Content-Language"] == "en"
    assert '<html lang="en">' in page_text(reply)
    assert "How likely are you to recommend Budi" in page_text(reply)


def test_error_messages_are_in_the_customers_language(client):
    sent = invitation("es")

    reply = client.post(f"/s/{sent.token}/", {"why": "sin puntuación"})

    assert reply.status_code == 400
    assert "Revise sus respuestas" in page_text(reply)
    assert "Elija una puntuación del 0 al 10 para Budi." in page_text(reply)
    assert "sin puntuación" in page_text(reply), "what the customer typed is kept"
    assert not Response.objects.exists()


def test_closed_and_unknown_links_are_explained_in_the_customers_language(client):
    expired = InvitationFactory(language="id", expires_at=timezone.now() - timedelta(minutes=1))

    gone = client.get(f"/s/{expired.token}/")
    unknown = client.get("/s/" + "x" * 43 + "/", HTTP_ACCEPT_LANGUAGE="es")

    assert gone.status_code == 410
    assert "Survei ini sudah ditutup" in page_text(gone)
    assert unknown.status_code == 404
    assert "Enlace no encontrado" in page_text(unknown)


def catalog_msgids(po: Path) -> list[tuple[str, str, str]]:
    """Every (msgctxt, msgid, msgstr) of a .po file (multi-line strings joined, the first
    plural form for plurals), the header left out."""
    ids = []
    for block in po.read_text().split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in block.split("\n"):
            match = re.fullmatch(r'(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif key and line.startswith('"'):
                fields[key] += line[1:-1]
        text = fields.get("msgid", "")
        if text:

            def unescape(value: str) -> str:
                return value.replace('\\"', '"').replace("\\n", "\n")

            translated = fields.get("msgstr", fields.get("msgstr[0]", ""))
            ids.append((fields.get("msgctxt", ""), unescape(text), unescape(translated)))
    return ids


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_compiled(language):
    po = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    assert "#, fuzzy" not in po.read_text()
    msgids = catalog_msgids(po)
    assert len(msgids) > 20
    # A translation may equal its msgid ("Email" in Indonesian); it must exist and be compiled.
    untranslated = [
        msgid
        for context, msgid, msgstr in msgids
        if not msgstr or (compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)) != msgstr
    ]
    assert not untranslated, f"{language}: not translated, or the .mo is older than the .po: {untranslated}"
