"""The theme tagger on informal text: what a supervisor sees as a comment's themes."""

import pytest

from analytics.themes.tagger import MAX_THEMES, default_tagger, fresh_tagger


def themes(text: str, language: str | None = None) -> dict[str, str]:
    return {hit.key: hit.polarity for hit in default_tagger().tag(text, language)}


# --- English -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("waaaited on hold for like 40 mins", {"wait_time": "-"}),
        ("got transfered 3 times and had to repeat myself", {"transfer": "-"}),
        ("the agent was super frendly", {"attitude": "+"}),
        ("refund still hasnt arrived", {"billing": "-"}),
        ("the app keeps crashing", {"technical": "-"}),
    ],
)
def test_english_informal_text(text, expected):
    assert themes(text) == expected


def test_english_negation_turns_a_complaint_into_praise_and_back():
    assert themes("she was not rude at all") == {"attitude": "+"}
    assert themes("the issue is still not solved") == {"resolution": "-"}
    assert themes("solved in one call") == {"resolution": "+"}
    assert themes("didn't have to wait") == {"wait_time": "+"}
    assert themes("nobody called me back") == {"callback": "-"}
    assert themes("they called me back as promised") == {"callback": "+"}


def test_english_praise_and_complaint_in_one_comment():
    assert themes("long wait but the agent was lovely") == {"wait_time": "-", "attitude": "+"}


# --- Indonesian ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nunggu lamaaa bgt", {"wait_time": "-"}),
        ("dioper-oper terus", {"transfer": "-"}),
        ("udah 3 minggu blm beres jg", {"resolution": "-"}),
        ("mbaknya ramahh bgt", {"attitude": "+"}),
        ("tagihan saya dobel", {"billing": "-"}),
        ("aplikasinya error mulu", {"technical": "-"}),
    ],
)
def test_indonesian_slang(text, expected):
    assert themes(text) == expected


def test_indonesian_negation():
    assert themes("cs nya gak jutek sama sekali") == {"attitude": "+"}
    assert themes("masalahnya tdk selesai") == {"resolution": "-"}
    assert themes("gak pake antri") == {"wait_time": "+"}
    assert themes("gak ada yang telpon balik") == {"callback": "-"}


def test_indonesian_praise_and_complaint():
    assert themes("antrinya lama tapi petugasnya sabar") == {"wait_time": "-", "attitude": "+"}


# --- Spanish -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("espere muchisimo en la linea", {"wait_time": "-"}),
        ("me pasaban de un area a otra", {"transfer": "-"}),
        ("me cobraron 2 veces!!", {"billing": "-"}),
        ("la asesora super amable", {"attitude": "+"}),
        ("la pagina web no carga", {"technical": "-"}),
    ],
)
def test_spanish_informal_text(text, expected):
    assert themes(text) == expected


def test_spanish_accents_are_optional():
    assert themes("Atención amabilísima") == themes("atencion amabilisima") == {"attitude": "+"}


def test_spanish_negation():
    assert themes("no fue grosero para nada") == {"attitude": "+"}
    assert themes("sigue sin resolverse") == {"resolution": "-"}
    assert themes("nadie me devolvio la llamada") == {"callback": "-"}


# --- Language, length, bad input --------------------------------------------------------


def test_the_comment_language_wins_over_the_survey_language():
    assert themes("waited forever on hold", language="id") == {"wait_time": "-"}
    assert themes("nunggu lama banget", language="en") == {"wait_time": "-"}


def test_mixed_language_comment_finds_themes_of_both():
    found = themes("the agent was ramah banget tapi nunggu lama")
    assert found.get("attitude") == "+"
    assert found.get("wait_time") == "-"


@pytest.mark.parametrize("text", ["", "   \n\t ", "😀😀😀", "!!!???", "<script>alert(1)</script>", None])
def test_empty_and_symbol_only_comments_have_no_theme(text):
    assert themes(text) == {}


def test_long_comment_is_cut_and_keeps_at_most_three_themes():
    text = (
        "waited an hour on hold, transferred twice, rude agent, wrong information, "
        "charged twice, app crashed, nobody called back. " * 100
    )
    assert len(text) > 5000
    found = default_tagger().tag(text)
    assert 1 <= len(found) <= MAX_THEMES
    assert [hit.evidence for hit in found] == sorted((hit.evidence for hit in found), reverse=True)


def test_admin_phrases_tag_a_new_theme():
    tagger = fresh_tagger()
    assert tagger.tag("the parking lot was full") == []
    tagger.add_phrases("parking", {"en": ["parking lot"], "es": ["estacionamiento"]})
    assert [(h.key, h.polarity) for h in tagger.tag("the parking lot was full")] == [("parking", "-")]
    assert [(h.key, h.polarity) for h in tagger.tag("estacionamiento excelente")] == [("parking", "+")]
