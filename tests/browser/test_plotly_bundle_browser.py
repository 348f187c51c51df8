"""The dashboards load a plotly.js of at most 1.5 MB (the cartesian partial bundle), and it
draws every chart they show: each trace type a page uses is one the bundle has, every plot
container gets drawn, and the console stays clean."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import breakdowns
from surveys.versions import snapshot
from tests.browser.test_dashboards_browser import PAGES, sign_in, staff  # noqa: F401 - fixture reused
from tests.dashboard.conftest import answered, departments  # noqa: F401 - fixtures reused
from tests.factories import ResponseFactory, SurveyFactory, SurveyQuestionFactory

pytestmark = pytest.mark.django_db(transaction=True)

BUNDLE_LIMIT = 1_500_000  # bytes


@pytest.fixture
def with_csat(answered):  # noqa: F811
    """Two CSAT answers for the first agent, so the extra-question charts are drawn too."""
    survey = SurveyFactory()
    SurveyQuestionFactory(survey=survey, key="csat", kind="csat")
    version = snapshot(survey)
    for score in (5, 2):
        ResponseFactory(
            invitation__interaction__agent=answered[0],
            invitation__interaction__occurred_at=timezone.now() - timedelta(days=4),
            survey_version=version,
            extra_answers={"csat": score},
        )
    breakdowns.rebuild()
    return answered


def test_dashboards_load_a_small_plotly_that_draws_every_chart(page, live_server, staff, with_csat):  # noqa: F811
    agents = with_csat
    errors = sign_in(page, live_server, *staff["admin"])
    bundles: dict[str, int] = {}
    page.on("response", lambda reply: bundles.update({reply.url: len(reply.body())}) if "plotly" in reply.url else None)
    paths = [*PAGES, f"/dashboard/agents/{agents[0].pk}/"]
    for path in paths:
        assert page.goto(f"{live_server.url}{path}").status == 200, path
        page.wait_for_function("window.Plotly !== undefined")
        plots = page.eval_on_selector_all(".plot[data-figure]", "els => els.map(el => el.id)")
        for plot in plots:
            page.wait_for_selector(f"#{plot}.js-plotly-plot .main-svg", timeout=10_000)
        used = page.evaluate(
            "() => [...document.querySelectorAll('.plot[data-figure]')].flatMap(el =>"
            " JSON.parse(document.getElementById(el.dataset.figure).textContent).data.map(t => t.type || 'scatter'))"
        )
        if path in ("/dashboard/", paths[-1]):
            assert any(plot.endswith("-csat-csat-dist") for plot in plots), plots
        available = page.evaluate("() => Object.keys(window.Plotly.PlotSchema.get().traces)")
        assert set(used) <= set(available), f"{path}: {set(used) - set(available)} not in the bundle"
    assert not errors, errors
    assert bundles, "no plotly.js was loaded"
    assert all("plotly-cartesian" in url for url in bundles), bundles
    assert all(size <= BUNDLE_LIMIT for size in bundles.values()), bundles
