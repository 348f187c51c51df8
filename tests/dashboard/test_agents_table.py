"""The agents table: one page of the fair ranking at a time (the CSV holds every agent),
rows drawn in Python with everything escaped."""

import csv
import io
import re

import pytest

from analytics.dashboard.agents import AGENTS_PER_PAGE
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def table_rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", body, flags=re.S)


def test_a_long_list_is_paginated_and_the_csv_holds_everyone(client, admin_user, answered, departments):
    AgentFactory.create_batch(AGENTS_PER_PAGE + 1 - len(answered), department=departments[1])
    total = AGENTS_PER_PAGE + 1
    client.force_login(admin_user)

    first = client.get("/dashboard/agents/").content.decode()
    second = client.get("/dashboard/agents/?page=2").content.decode()
    download = client.get("/dashboard/agents/?format=csv")

    assert len(table_rows(first)) == AGENTS_PER_PAGE
    assert f"Agents 1–{AGENTS_PER_PAGE} of {total}" in first
    assert len(table_rows(second)) == 1
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + total
    # Ranked agents (with answers) come first, on page 1, with their trend and coverage.
    names = {a.name for a in answered}
    assert all(name in first for name in names)
    assert rows[0][-2:] == ["interactions", "answered_pct"]
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Budi Santoso"][-2:] == ["3", "100.0"]


def test_an_agent_name_with_markup_is_shown_as_text(client, admin_user, answered):
    agent = answered[0]
    agent.name = '<script>alert("x")</script>Budi'
    agent.save()
    client.force_login(admin_user)

    html = client.get("/dashboard/agents/").content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;Budi" in html
    (row,) = [r for r in table_rows(html) if "Budi" in r]
    assert f'href="/dashboard/agents/{agent.pk}/?' in row
    assert 'class="spark"' in row or "not enough data" in row
