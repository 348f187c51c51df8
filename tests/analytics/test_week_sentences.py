"""The Monday view's sentences on crafted counts: what a supervisor reads as news, what is
listed as within the noise, when a drop is said to be "mostly on" something, and when an
agent has too few answers to be judged."""

from analytics import nps
from analytics.week_summary import (
    Figure,
    attribute,
    movers,
    news_sentence,
    noise_phrase,
    share_growth_interval,
    signed,
    summarise,
)

C = nps.Counts
LABELS = {"transfers": "transfers", "channel:chat": "chat", "theme:wait_time": "wait time in the comments"}


def figure(name="Billing", *, week, previous, baseline=None, question="company", kind="department", factors=None):
    return Figure(
        kind=kind,
        key=name.lower(),
        name=name,
        question=question,
        week=week,
        previous=previous,
        baseline=baseline if baseline is not None else previous,
        factors=factors or {},
    )


# --- A department that dropped beyond the noise ---------------------------------------------------


def test_a_department_that_dropped_beyond_the_noise_is_news_with_its_interval_and_n():
    # 200 answers each week: NPS +40 the week before, +10 last week.
    billing = figure(week=C(80, 60, 60), previous=C(110, 60, 30), baseline=C(1300, 780, 520))
    summary = summarise([billing], min_n=5, labels=LABELS)

    (sentence,) = summary.news
    low, high = nps.change_interval(billing.week, billing.previous)
    assert high < 0
    assert sentence.text.startswith(
        f"Billing −30 points ({signed(low)} to {signed(high)}) on the company question against the week before"
    )
    assert sentence.down
    # The 13-week average was +30: also beyond the noise, so it is named too, with its n.
    assert ", −20 points (" in sentence.text and "against the 13-week average" in sentence.text
    assert "(n = 200, 200 the week before, 2600 in the 13 weeks before)." in sentence.text
    assert summary.within_noise == {}


def test_a_rise_beyond_the_noise_is_news_too_and_never_attributed():
    support = figure("Support", week=C(110, 60, 30), previous=C(80, 60, 60), question="agent")
    sentence = news_sentence(support, LABELS)
    assert sentence.text.startswith("Support +30 points (")
    assert "on the agent question against the week before" in sentence.text
    assert not sentence.down and sentence.attribution is None and "mostly" not in sentence.text


# --- One within the noise -------------------------------------------------------------------------


def test_a_department_within_the_noise_is_listed_compactly_not_as_news():
    # 20 answers: +20 then +10 is a change whose interval spans zero.
    claims = figure("Claims", week=C(8, 6, 6), previous=C(10, 4, 6), baseline=C(120, 70, 70))
    assert not claims.change("previous").real and not claims.change("baseline").real

    summary = summarise([claims], min_n=5, labels=LABELS)

    assert summary.news == []
    low, high = nps.change_interval(claims.week, claims.previous)
    assert low < 0 < high
    assert summary.within_noise == {"company": [f"Claims −10 ({signed(low)} to {signed(high)})"]}


def test_the_news_leads_with_the_scope_then_the_biggest_change():
    scope = figure("Your departments", kind="scope", week=C(150, 100, 100), previous=C(190, 100, 60))
    small = figure("Sales", week=C(80, 60, 60), previous=C(100, 60, 40))
    big = figure("Billing", week=C(60, 60, 80), previous=C(110, 60, 30))
    news = summarise([small, big, scope], min_n=5).news
    assert [s.figure.name for s in news] == ["Your departments", "Billing", "Sales"]


# --- A change attributed to transfers ------------------------------------------------------------


def test_a_drop_is_attributed_to_transfers_when_their_share_of_detractors_grew_beyond_the_noise():
    factors = {
        # 60 detractors last week, 45 of them transferred; 30 the week before, 6 transferred.
        "week": {"transfers": 45, "channel:chat": 20, "theme:wait_time": 12},
        "previous": {"transfers": 6, "channel:chat": 10, "theme:wait_time": 5},
        "baseline": {"transfers": 80, "channel:chat": 170, "theme:wait_time": 90},
    }
    billing = figure(week=C(80, 60, 60), previous=C(110, 60, 30), baseline=C(1300, 780, 520), factors=factors)

    sentence = news_sentence(billing, LABELS)

    assert sentence.attribution.factor == "transfers"
    assert round(sentence.attribution.growth, 2) == 0.55  # 45/60 − 6/30
    assert sentence.text.split(" (n = ")[0].endswith(", mostly on transfers")


def test_nothing_is_attributed_when_no_factor_grew_beyond_the_noise():
    # Every factor holds the same share of the detractors in both weeks: nothing stands out.
    factors = {
        "week": {"transfers": 20, "channel:chat": 30},
        "previous": {"transfers": 10, "channel:chat": 15},
        "baseline": {"transfers": 170, "channel:chat": 260},
    }
    billing = figure(week=C(80, 60, 60), previous=C(110, 60, 30), baseline=C(1300, 780, 520), factors=factors)
    sentence = news_sentence(billing, LABELS)
    assert sentence.attribution is None
    assert "mostly" not in sentence.text


def test_a_small_growth_on_few_detractors_is_not_a_reason():
    # 3 of 4 detractors against 1 of 4: a big share change, but the interval spans zero.
    assert attribute({"transfers": 3}, 4, {"transfers": 1}, 4) is None
    low, high = share_growth_interval(3, 4, 1, 4)
    assert low < 0 < high


def test_the_factor_that_grew_most_wins_not_the_biggest():
    found = attribute({"channel:chat": 50, "transfers": 40}, 100, {"channel:chat": 45, "transfers": 5}, 100)
    assert found.factor == "transfers"
    assert found.interval[0] > 0


# --- An agent with too few answers ---------------------------------------------------------------


def test_an_agent_with_too_few_answers_is_never_news_nor_a_mover():
    # 2 answers, both detractors, after a week of promoters: a huge raw drop, but too few to tell.
    rookie = figure("Rina Rookie", kind="agent", question="agent", week=C(0, 0, 2), previous=C(10, 0, 0))
    steady = figure("Sam Steady", kind="agent", question="agent", week=C(12, 5, 3), previous=C(13, 4, 3))
    faller = figure("Fay Faller", kind="agent", question="agent", week=C(3, 4, 13), previous=C(15, 4, 1))

    assert noise_phrase(rookie, 5) == "Rina Rookie: too few answers to tell (n = 2)"
    assert summarise([rookie], min_n=5).news == []

    moved = movers([rookie, steady, faller], min_n=5)
    assert [m.figure.name for m in moved] == ["Fay Faller", "Sam Steady"]
    assert moved[0].change.real and not moved[1].change.real
    assert moved[0].text.startswith("−120 points (")  # +70 to −50


def test_no_answers_in_either_week_is_said_plainly():
    idle = figure("Idle", week=C(), previous=C(3, 1, 1))
    fresh = figure("Fresh", week=C(5, 2, 1), previous=C())
    assert noise_phrase(idle, 5) == "Idle: no answers"
    assert noise_phrase(fresh, 5) == "Fresh: no answers the week before (n = 8)"
    assert not fresh.is_news(5)
