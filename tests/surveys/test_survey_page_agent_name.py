"""The survey page and the thank-you page are rendered once per survey version and language
and shared by every agent's customers (surveys/views_public.py): each customer still reads
their own agent's first name, escaped like any other text, never another agent's."""

import pytest
from django.test import Client

from tests.factories import AgentFactory, InvitationFactory

pytestmark = pytest.mark.django_db

ANSWER = {"company_score": "9", "agent_score": "10", "why": ""}


def test_customers_of_two_agents_each_read_their_own_agents_name_on_both_pages():
    budi = InvitationFactory(interaction__agent=AgentFactory(name="Budi Santoso"))
    sari = InvitationFactory(interaction__agent=AgentFactory(name="Sari Dewi"))
    client = Client()

    first, second = client.get(f"/s/{budi.token}/"), client.get(f"/s/{sari.token}/")
    client.post(f"/s/{budi.token}/", ANSWER)
    client.post(f"/s/{sari.token}/", ANSWER)
    thanks_budi = client.get(f"/s/{budi.token}/thanks/").content.decode()
    thanks_sari = client.get(f"/s/{sari.token}/thanks/").content.decode()

    assert "Budi" in first.content.decode() and "Sari" not in first.content.decode()
    assert "Sari" in second.content.decode() and "Budi" not in second.content.decode()
    assert "Your answers help Budi" in thanks_budi and "Sari" not in thanks_budi
    assert "Your answers help Sari" in thanks_sari and "Budi" not in thanks_sari


def test_an_agent_name_with_markup_is_shown_as_text():
    invitation = InvitationFactory(interaction__agent=AgentFactory(name='<b>"Tom&Jerry\'s"</b> Smith'))
    client = Client()

    page = client.get(f"/s/{invitation.token}/").content.decode()
    client.post(f"/s/{invitation.token}/", ANSWER)
    thanks = client.get(f"/s/{invitation.token}/thanks/").content.decode()

    for html in (page, thanks):
        assert "&lt;b&gt;&quot;Tom&amp;Jerry&#x27;s&quot;&lt;/b&gt;" in html
        assert "<b>" not in html
        assert "agent-name-slot" not in html
