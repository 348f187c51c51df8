"""CSV downloads cannot smuggle spreadsheet formulas, and why-texts are shown as text."""

import csv
import io

import pytest

from analytics.csv_export import safe_cell
from surveys.models import Response

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_like_cells_are_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_plain_values_are_kept():
    assert safe_cell("Great service") == "Great service"
    assert safe_cell(-12.5) == -12.5
    assert safe_cell(None) == ""


def test_comment_csv_neutralises_a_formula_in_a_why_text(client, admin_user, answered):
    Response.objects.filter(pk=Response.objects.first().pk).update(why='=HYPERLINK("http://evil","x")')
    client.force_login(admin_user)
    download = client.get("/dashboard/comments/?format=csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    whys = [row[-1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil","x")' in whys
    assert not any(w.startswith("=") for w in whys)


def test_script_in_a_why_text_is_shown_as_text(client, admin_user, answered):
    response = Response.objects.select_related("agent").first()
    Response.objects.filter(pk=response.pk).update(why="<script>alert('x')</script>")
    client.force_login(admin_user)
    for path in ("/dashboard/comments/", f"/dashboard/agents/{response.agent_id}/"):
        html = client.get(path).content.decode()
        assert "<script>alert('x')</script>" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
