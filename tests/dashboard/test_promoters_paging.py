"""The promoters page in pages: Next and Previous walk every promoter once, department by
department, newest first; the counts in the heading; a stale or tampered page link is a 400."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from followups import promoter_selectors, views_promoters
from followups.models import PromoterContact
from surveys.models import Invitation
from tests.factories import AgentFactory, InteractionFactory, InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db


def promoter(agent, *, why, days_ago, email="", company=10, channel="phone"):
    interaction = InteractionFactory(
        agent=agent, customer_email=email, customer_name="Customer", channel=channel,
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    return ResponseFactory(
        invitation=InvitationFactory(interaction=interaction, status=Invitation.Status.ANSWERED),
        company_score=company,
        agent_score=10,
        why=why,
    )


@pytest.fixture
def listed(departments):
    """Three promoters in Billing and two in Claims (all with an email), and one 8."""
    billing, claims = departments
    budi, carl = AgentFactory(name="Budi", department=billing), AgentFactory(name="Carl", department=claims)
    for n, days in enumerate([1, 2, 3]):
        promoter(budi, why=f"billing-{n}", days_ago=days, email=f"b{n}@example.com")
    for n, days in enumerate([1, 4]):
        promoter(carl, why=f"claims-{n}", days_ago=days, email=f"c{n}@example.com")
    promoter(budi, why="only-an-8", days_ago=1, email="p@example.com", company=8)
    return budi, carl


def whys(html: str) -> list[str]:
    return re.findall(r'<td data-label="Why" lang="[^"]*">([^<]*)</td>', html)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'href="(\?[^"]*)" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_next_and_previous_walk_every_promoter_once_by_department_newest_first(client, admin_user, listed, monkeypatch):
    monkeypatch.setattr(views_promoters, "PER_PAGE", 2)
    client.force_login(admin_user)

    pages, url = [], "/dashboard/promoters/"
    while url:
        reply = client.get(url if url.startswith("/") else "/dashboard/promoters/" + url)
        assert reply.status_code == 200
        html = reply.content.decode()
        pages.append((whys(html), re.search(r"Page (\d+)( of \d+)?", html).group(0)))
        url = link(html, "next")

    assert [p[0] for p in pages] == [["billing-0", "billing-1"], ["billing-2", "claims-0"], ["claims-1"]]
    assert [p[1] for p in pages] == ["Page 1 of 3", "Page 2 of 3", "Page 3 of 3"]

    # Back from the last page: the same pages in reverse, the first without a Previous link.
    back, previous = [], link(html, "prev")
    while previous:
        html = client.get("/dashboard/promoters/" + previous).content.decode()
        back.append(whys(html))
        previous = link(html, "prev")
    assert back == [["billing-2", "claims-0"], ["billing-0", "billing-1"]]
    assert "Page 1 of 3" in html


def test_the_heading_counts_promoters_and_those_to_contact(client, admin_user, listed, monkeypatch):
    budi, _ = listed
    promoter(budi, why="no contact", days_ago=2)
    client.force_login(admin_user)

    html = client.get("/dashboard/promoters/").content.decode()
    assert "5 promoters to contact," in html and "6 promoters in all in this period" in html

    everything = client.get("/dashboard/promoters/?show=all").content.decode()
    assert "6 promoters," in everything

    PromoterContact.objects.create(response=budi.responses.get(why="billing-0"), at=timezone.now())
    contacted = client.get("/dashboard/promoters/?show=contacted").content.decode()
    assert "1 promoter already contacted" in contacted and whys(contacted) == ["billing-0"]

    # Past the cap, the list says "more than" instead of counting every promoter's contact details.
    monkeypatch.setattr(promoter_selectors, "COUNT_CAP", 3)
    capped = client.get("/dashboard/promoters/").content.decode()
    assert "More than 3 promoters to contact" in capped and "Page 1</span>" in capped


def test_filters_by_channel_and_department_apply_to_the_pages(client, admin_user, listed):
    _, carl = listed
    promoter(carl, why="claims-chat", days_ago=2, email="chat@example.com", channel="chat")
    client.force_login(admin_user)

    html = client.get("/dashboard/promoters/?channel=chat").content.decode()
    assert whys(html) == ["claims-chat"] and "1 promoter to contact" in html

    claims = client.get("/dashboard/promoters/?department=claims").content.decode()
    assert whys(claims) == ["claims-0", "claims-chat", "claims-1"]


def test_a_tampered_or_foreign_page_link_is_a_400_not_an_error(client, admin_user, supervisor, listed):
    _, carl = listed
    client.force_login(supervisor)
    claims_row = promoter_selectors.Cursor.of(carl.responses.first()).encode()

    for query in ("after=nonsense", "before=1.2", f"after={claims_row}", f"after={claims_row}&before={claims_row}"):
        reply = client.get(f"/dashboard/promoters/?{query}")
        assert reply.status_code == 400, query
        assert "That page link no longer matches these filters" in reply.content.decode()
    assert "claims-0" not in client.get(f"/dashboard/promoters/?after={claims_row}").content.decode()
