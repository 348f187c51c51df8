"""The survey editor at /manage/surveys/: an admin creates and edits a survey with its wording
per language, extra questions, rules, timing and branding; what is invalid is refused with a
message next to the field and nothing is stored."""

import pytest

from surveys.models import Survey, SurveyAssignment, SurveyQuestion, SurveyTranslation, SurveyVersion
from surveys.versions import snapshot
from tests.factories import DepartmentFactory, OtherSurveyFactory, SurveyAssignmentFactory, SurveyFactory
from tests.surveys.editor_helpers import editor_data, row_prefix

pytestmark = pytest.mark.django_db

NEW = "/manage/surveys/new/"


def html(reply) -> str:
    return reply.content.decode()


def new_survey_data(client, **changes) -> dict:
    data = editor_data(client, NEW)
    data.update({"name": "SMS quick survey", **changes})
    return data


def add_question(data: dict, *, kind: str = "csat", text_en: str = "How satisfied are you with the answer?", **extra):
    index = int(data["questions-TOTAL_FORMS"]) - 1  # the empty block at the end
    data.update({f"questions-{index}-kind": kind, f"questions-{index}-text_en": text_en})
    data.update({f"questions-{index}-{name}": value for name, value in extra.items()})
    return data


def snapshot_of_database() -> tuple:
    return (
        list(Survey.objects.values_list("name", "active", "is_default", "link_expiry_days", "fatigue_days")),
        list(SurveyTranslation.objects.values_list("survey", "language", "company_question", "agent_question")),
        list(SurveyQuestion.objects.values_list("survey", "key", "text")),
        list(SurveyAssignment.objects.values_list("survey", "department", "channel")),
        list(SurveyVersion.objects.values_list("survey", "number")),
    )


# --- Creating --------------------------------------------------------------------------------


def test_a_new_survey_starts_from_the_built_in_wording_in_each_language(staff_client):
    data = editor_data(staff_client, NEW)

    assert data[f"{row_prefix(data, 'translations', 'en')}-company_question"] == (
        "How likely are you to recommend {company} to a friend or colleague?"
    )
    assert data[f"{row_prefix(data, 'translations', 'id')}-agent_question"].startswith(
        "Seberapa besar kemungkinan Anda merekomendasikan {agent}"
    )
    assert row_prefix(data, "translations", "es")
    assert data["link_expiry_days"] == "7" and data["fatigue_days"] == "30"
    assert "reminder_enabled" not in data, "reminders are off unless switched on"


def test_an_admin_creates_a_survey_with_an_extra_question_and_a_rule(staff_client):
    sms_rule_department = DepartmentFactory(code="billing", name="Billing")
    SurveyFactory()  # the default survey exists already
    data = new_survey_data(staff_client, invite_phone="", link_expiry_days="3", accent_colour="#1D4ED8")
    add_question(data, text_id="Seberapa puas Anda dengan jawabannya?", required="on")
    data.update({"rules-0-department": str(sms_rule_department.pk), "rules-0-channel": "sms"})

    reply = staff_client.post(NEW, data)

    assert reply.status_code == 302, html(reply)[:3000]
    survey = Survey.objects.get(name="SMS quick survey")
    assert reply["Location"] == f"/manage/surveys/{survey.pk}/"
    assert (survey.is_default, survey.active, survey.invite_phone, survey.link_expiry_days) == (False, True, False, 3)
    assert survey.accent_colour == "#1d4ed8"
    assert set(survey.translations.values_list("language", flat=True)) == {"en", "id", "es"}
    question = survey.questions.get()
    assert (question.key, question.kind, question.required) == ("csat_1", "csat", True)
    assert question.text == {
        "en": "How satisfied are you with the answer?",
        "id": "Seberapa puas Anda dengan jawabannya?",
    }
    assert list(survey.rules.values_list("department__code", "channel")) == [("billing", "sms")]
    version = survey.versions.get()
    assert version.number == 1
    assert version.content["questions"][0]["key"] == "csat_1"
    assert version.content["wording"]["en"]["agent_question"].endswith("{agent}, the agent who helped you?")

    page = staff_client.get(reply["Location"])
    assert "created (version 1)" in html(page)


def test_a_language_can_be_added_with_its_own_wording(staff_client):
    data = new_survey_data(staff_client)
    blank = int(data["translations-TOTAL_FORMS"]) - 1
    data.update(
        {
            f"translations-{blank}-language": "ms",
            f"translations-{blank}-company_question": "Sejauh manakah anda akan mengesyorkan {company}?",
            f"translations-{blank}-agent_question": "Sejauh manakah anda akan mengesyorkan {agent}?",
        }
    )

    reply = staff_client.post(NEW, data)

    assert reply.status_code == 302, html(reply)[:3000]
    survey = Survey.objects.get(name="SMS quick survey")
    assert survey.translations.get(language="ms").agent_question == "Sejauh manakah anda akan mengesyorkan {agent}?"
    assert "ms" in survey.versions.get().content["wording"]


# --- Validation: each rule has its message and nothing is stored ------------------------------


def blank_default_company_question(data):
    data[f"{row_prefix(data, 'translations', 'en')}-company_question"] = ""


def blank_default_agent_question(data):
    data[f"{row_prefix(data, 'translations', 'en')}-agent_question"] = "  "


def duplicate_language(data):
    data[f"{row_prefix(data, 'translations', 'es')}-language"] = "id"


def default_language_removed(data):
    data["default_language"] = "es"
    data[f"{row_prefix(data, 'translations', 'es')}-DELETE"] = "on"


def unknown_placeholder(data):
    data[f"{row_prefix(data, 'translations', 'id')}-agent_question"] = "Apakah {agnet} membantu Anda?"


def question_without_default_language_text(data):
    add_question(data, text_en="", text_id="Seberapa puas Anda?")


def rule_without_department_or_channel(data):
    data["rules-0-department"] = ""
    data["rules-0-channel"] = ""
    data["rules-0-DELETE"] = ""
    data["name"] = data["name"] + " "  # the rule row stays empty: make sure something else changed
    data["rules-TOTAL_FORMS"] = "1"
    data["rules-0-id"] = ""
    data["rules-0-department"] = ""
    data["rules-0-channel"] = ""


INVALID = {
    "company question blank in the default language": (
        blank_default_company_question,
        "Write the company question in English: it is the default language",
    ),
    "agent question blank in the default language": (
        blank_default_agent_question,
        "Write the agent question in English",
    ),
    "link expiry of 0 days": ({"link_expiry_days": "0"}, "A link must stay valid for at least 1 day."),
    "negative link expiry": ({"link_expiry_days": "-2"}, "A link must stay valid for at least 1 day."),
    "negative fatigue window": ({"fatigue_days": "-1"}, "The fatigue window cannot be negative."),
    "colour not #RRGGBB": ({"accent_colour": "#12345g"}, "Write the colour as # and six hexadecimal digits"),
    "colour too light for white text": ({"accent_colour": "#7dd3fc"}, "buttons need at least 4.5:1 to be readable"),
    "the same language twice": (
        duplicate_language,
        "Bahasa Indonesia (id) is already above; keep one row per language.",
    ),
    "default language without wording": (default_language_removed, "has no wording: add a row for it"),
    "unknown placeholder": (unknown_placeholder, "Unknown placeholder {agnet}: use {agent} or {company}."),
    "logo over plain http": ({"logo_url": "http://example.com/logo.png"}, "Use an https:// address of an image"),
    "logo as a script": ({"logo_url": "javascript:alert(1)"}, "Use an https:// address of an image"),
    "privacy notice over plain http": ({"privacy_url": "http://example.com/privacy"}, "Use an https:// address."),
    "reminder after the link expires": (
        {"reminder_enabled": "on", "reminder_after_hours": "200", "link_expiry_days": "7"},
        "The reminder would come after the link expires (7 days = 168 hours).",
    ),
    "question without its default-language text": (
        question_without_default_language_text,
        "Write the question in English, the survey&#x27;s default language.",
    ),
    "active survey inviting after nothing": (
        {"invite_phone": "", "invite_chat": "", "invite_email": "", "invite_sms": ""},
        "An active survey invites after at least one kind of interaction.",
    ),
}


@pytest.mark.parametrize(("change", "message"), INVALID.values(), ids=INVALID.keys())
def test_an_invalid_new_survey_is_refused_with_a_message_and_nothing_is_stored(staff_client, change, message):
    SurveyFactory()
    before = snapshot_of_database()
    data = new_survey_data(staff_client)
    add_question(data)
    data["rules-0-channel"] = "sms"
    change(data) if callable(change) else data.update(change)

    reply = staff_client.post(NEW, data)

    assert reply.status_code == 400
    page = html(reply)
    assert message in page
    assert "Nothing was saved: please fix" in page
    assert 'aria-invalid="true"' in page
    assert snapshot_of_database() == before


def test_an_invalid_edit_changes_nothing_at_all(staff_client):
    survey = SurveyFactory(name="Default survey")
    url = f"/manage/surveys/{survey.pk}/"
    staff_client.post(url, editor_data(staff_client, url))  # the first save: explicit wording, version 2
    before = snapshot_of_database()
    data = editor_data(staff_client, url)
    data["name"] = "Renamed"
    data[f"{row_prefix(data, 'translations', 'id')}-why_prompt"] = "Kenapa?"
    add_question(data)
    data["fatigue_days"] = "-5"

    reply = staff_client.post(url, data)

    assert reply.status_code == 400
    assert "The fatigue window cannot be negative." in html(reply)
    assert snapshot_of_database() == before


def test_a_rule_another_active_survey_has_is_refused(staff_client):
    billing = DepartmentFactory(code="billing", name="Billing")
    SurveyAssignmentFactory(survey__name="Billing survey", department=billing, channel="sms")
    data = new_survey_data(staff_client)
    data.update({"rules-0-department": str(billing.pk), "rules-0-channel": "sms"})

    reply = staff_client.post(NEW, data)

    assert reply.status_code == 400
    assert "Billing + SMS interactions already goes to the survey “Billing survey”" in html(reply)
    assert not Survey.objects.filter(name="SMS quick survey").exists()


def test_an_inactive_survey_may_hold_a_rule_an_active_one_has(staff_client):
    SurveyAssignmentFactory(survey__name="Old SMS survey", channel="sms")
    data = new_survey_data(staff_client, active="", **{"rules-0-channel": "sms"})

    assert staff_client.post(NEW, data).status_code == 302
    assert SurveyAssignment.objects.filter(channel="sms").count() == 2


# --- Editing --------------------------------------------------------------------------------


def test_editing_the_wording_saves_a_new_version_and_an_unchanged_save_does_not(staff_client):
    survey = SurveyFactory()
    url = f"/manage/surveys/{survey.pk}/"
    staff_client.post(url, editor_data(staff_client, url))
    first = survey.versions.order_by("-number").first().number

    data = editor_data(staff_client, url)
    data[f"{row_prefix(data, 'translations', 'en')}-why_prompt"] = "What could we do better?"
    changed = staff_client.post(url, data, follow=True)
    unchanged = staff_client.post(url, editor_data(staff_client, url), follow=True)

    assert f"Saved as version {first + 1}." in html(changed)
    assert "did not change, so the version stays the same" in html(unchanged)
    latest = survey.versions.order_by("-number").first()
    assert latest.number == first + 1
    assert latest.content["wording"]["en"]["why_prompt"] == "What could we do better?"
    assert latest.created_by.username == "olivia"


def test_a_saved_question_keeps_its_key_and_kind_when_reworded_or_reordered(staff_client):
    data = new_survey_data(staff_client)
    add_question(data, kind="csat", text_en="Satisfied?")
    staff_client.post(NEW, data)
    survey = Survey.objects.get(name="SMS quick survey")
    url = f"/manage/surveys/{survey.pk}/"
    data = editor_data(staff_client, url)
    data.update(
        {"questions-0-text_en": "How satisfied are you?", "questions-0-kind": "text", "questions-0-position": "2"}
    )
    add_question(data, kind="yes_no", text_en="Was your problem solved?", position="1")

    assert staff_client.post(url, data).status_code == 302

    rows = list(survey.questions.order_by("position").values_list("key", "kind", "position"))
    assert rows == [("yes_no_1", "yes_no", 1), ("csat_1", "csat", 2)]
    assert survey.questions.get(key="csat_1").text == {"en": "How satisfied are you?"}


def test_a_removed_questions_key_is_never_given_to_a_new_question(staff_client):
    data = new_survey_data(staff_client)
    add_question(data, kind="csat")
    staff_client.post(NEW, data)
    survey = Survey.objects.get(name="SMS quick survey")
    url = f"/manage/surveys/{survey.pk}/"
    data = editor_data(staff_client, url)
    data["questions-0-DELETE"] = "on"
    add_question(data, kind="csat", text_en="Satisfied with the solution?")

    assert staff_client.post(url, data).status_code == 302
    assert list(survey.questions.values_list("key", flat=True)) == ["csat_2"]

    data = editor_data(staff_client, url)
    add_question(data, kind="ces", text_en="Easy?", new_key="csat_1")
    reply = staff_client.post(url, data)
    assert reply.status_code == 400
    assert "The key csat_1 is used by an earlier question of this survey" in html(reply)


def test_the_default_survey_cannot_stop_being_the_default_from_its_own_page(staff_client):
    survey = SurveyFactory()
    url = f"/manage/surveys/{survey.pk}/"
    data = editor_data(staff_client, url)
    data.pop("is_default")

    reply = staff_client.post(url, data)

    assert reply.status_code == 400
    assert "There is always exactly one default survey." in html(reply)
    assert Survey.objects.get(pk=survey.pk).is_default


def test_ticking_default_on_another_survey_moves_the_flag(staff_client):
    old = SurveyFactory()
    data = new_survey_data(staff_client, is_default="on")

    assert staff_client.post(NEW, data).status_code == 302

    assert list(Survey.objects.filter(is_default=True).values_list("name", flat=True)) == ["SMS quick survey"]
    assert not Survey.objects.get(pk=old.pk).is_default


# --- Actions from the list --------------------------------------------------------------------


def test_the_list_shows_each_survey_its_rules_and_version(staff_client):
    SurveyFactory()
    SurveyAssignmentFactory(survey__name="SMS survey", channel="sms")

    page = html(staff_client.get("/manage/surveys/"))

    assert "Default survey" in page and "SMS survey" in page
    assert "Any department · SMS" in page
    assert "Everything no rule assigns" in page
    assert "department + channel &gt; department &gt; channel &gt; default survey" in page


def test_duplicating_copies_wording_and_questions_but_not_rules_and_starts_inactive(staff_client):
    data = new_survey_data(staff_client, **{"rules-0-channel": "sms"})
    add_question(data)
    staff_client.post(NEW, data)
    original = Survey.objects.get(name="SMS quick survey")

    reply = staff_client.post(f"/manage/surveys/{original.pk}/duplicate/")

    copy = Survey.objects.get(name="Copy of SMS quick survey")
    assert reply["Location"] == f"/manage/surveys/{copy.pk}/"
    assert (copy.active, copy.is_default, copy.rules.count()) == (False, False, 0)
    assert copy.translations.count() == 3
    assert list(copy.questions.values_list("key", flat=True)) == ["csat_1"]
    assert copy.versions.get().content == original.versions.get().content


def test_deactivating_and_activating_a_survey(staff_client):
    survey = SurveyAssignmentFactory(survey__name="SMS survey", channel="sms").survey

    staff_client.post(f"/manage/surveys/{survey.pk}/active/", {"active": "0"})
    assert not Survey.objects.get(pk=survey.pk).active
    staff_client.post(f"/manage/surveys/{survey.pk}/active/", {"active": "1"})
    assert Survey.objects.get(pk=survey.pk).active


def test_activating_a_survey_whose_rule_another_active_survey_has_is_refused(staff_client):
    active = SurveyAssignmentFactory(survey__name="SMS survey", channel="sms").survey
    inactive = SurveyAssignmentFactory(survey__name="Old SMS survey", survey__active=False, channel="sms").survey

    reply = staff_client.post(f"/manage/surveys/{inactive.pk}/active/", {"active": "1"}, follow=True)

    assert "cannot be activated: SMS interactions already goes to the active survey “SMS survey”" in html(reply)
    assert not Survey.objects.get(pk=inactive.pk).active
    assert Survey.objects.get(pk=active.pk).active


def test_deactivating_the_default_survey_warns_that_nothing_else_is_surveyed(staff_client):
    survey = SurveyFactory()

    reply = staff_client.post(f"/manage/surveys/{survey.pk}/active/", {"active": "0"}, follow=True)

    assert "not surveyed until you switch it on again" in html(reply)
    assert "The default survey is inactive" in html(reply)


def test_make_default_leaves_exactly_one_default(staff_client):
    SurveyFactory()
    other = OtherSurveyFactory(name="Chat survey")

    staff_client.post(f"/manage/surveys/{other.pk}/default/")

    assert list(Survey.objects.filter(is_default=True).values_list("name", flat=True)) == ["Chat survey"]


def test_the_versions_page_lists_what_each_version_asked(staff_client):
    survey = SurveyFactory()
    snapshot(survey)  # version 1: the built-in wording
    url = f"/manage/surveys/{survey.pk}/"
    data = editor_data(staff_client, url)
    data[f"{row_prefix(data, 'translations', 'en')}-why_prompt"] = "Tell us more"
    staff_client.post(url, data)

    page = html(staff_client.get(f"/manage/surveys/{survey.pk}/versions/"))

    assert "Version 1" in page and "Version 2" in page
    assert "Tell us more" in page
