"""The change audit log: every change to surveys, departments, agents, users and roles,
tokens and sign-in groups, every export and erasure, sign-ins and lockouts leave an entry
(who, when, what, from which address), shown to admins at /manage/audit/ with filters and
CSV, and nothing in the UI can change or remove an entry."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from agents.models import Department
from privacy import audit
from privacy.models import ChangeRecord
from surveys.models import ApiToken
from tests.factories import AgentFactory, DepartmentFactory, UserFactory
from tests.surveys.editor_helpers import editor_data

pytestmark = pytest.mark.django_db
ADDRESS = "198.51.100.23"


@pytest.fixture
def boss(db):
    return UserFactory(username="boss", is_staff=True)


@pytest.fixture
def staff(client, boss):
    client.force_login(boss)
    ChangeRecord.objects.all().delete()  # the sign-in itself; each test looks at what it does
    return client


def only(action: str) -> ChangeRecord:
    return ChangeRecord.objects.get(action=action)


# --- Changes -----------------------------------------------------------------------------------


def test_a_new_department_and_its_edit_are_recorded_with_who_and_where(staff):
    staff.post("/manage/departments/new/", {"name": "Billing", "code": "billing"}, REMOTE_ADDR=ADDRESS)
    department = Department.objects.get(code="billing")
    created = only("department.created")
    assert (created.actor_name, created.ip_address, created.target_id) == ("boss", ADDRESS, str(department.pk))
    assert created.target_type == "agents.department" and created.target_repr == "Billing"
    assert created.details["changed"]["code"] == "billing"
    assert timezone.now() - created.at < timedelta(seconds=30)
    staff.post(f"/manage/departments/{department.pk}/", {"name": "Billing", "code": "billing", "target_nps": "40"})
    assert only("department.updated").details == {"changed": {"target_nps": 40}}


def test_an_invalid_change_leaves_no_entry(staff):
    staff.post("/manage/departments/new/", {"name": "", "code": "not a slug"})
    assert not ChangeRecord.objects.exists()


def test_survey_changes_are_recorded(staff):
    data = editor_data(staff, "/manage/surveys/new/")
    data["name"] = "Phone survey"
    assert staff.post("/manage/surveys/new/", data).status_code == 302
    created = only("survey.created")
    assert created.target_repr == "Phone survey" and created.details["version"] == 1
    survey_id = created.target_id
    staff.post(f"/manage/surveys/{survey_id}/active/", {"active": "0"})
    staff.post(f"/manage/surveys/{survey_id}/duplicate/")
    staff.post(f"/manage/surveys/{survey_id}/default/")
    actions = set(ChangeRecord.objects.values_list("action", flat=True))
    assert {"survey.deactivated", "survey.duplicated", "survey.made_default"} <= actions


def test_a_role_change_records_before_and_after(staff):
    billing = DepartmentFactory(code="billing", name="Billing")
    user = UserFactory(username="sam")
    form = {"first_name": "Sam", "last_name": "", "email": "sam@example.com", "is_active": "on"}
    staff.post(f"/manage/users/{user.pk}/", {**form, "departments": [billing.pk]}, REMOTE_ADDR=ADDRESS)
    entry = only("user.updated")
    assert entry.target_repr == "sam"
    assert entry.details["roles_before"]["departments"] == []
    assert entry.details["roles"]["departments"] == ["billing"]
    staff.post(f"/manage/users/{user.pk}/", {**form, "is_staff": "on", "departments": [billing.pk]})
    latest = ChangeRecord.objects.filter(action="user.updated").latest("pk")
    assert latest.details["roles"]["admin"] is True


def test_a_new_user_is_recorded_without_the_password(staff):
    staff.post(
        "/manage/users/new/",
        {"username": "nina", "password1": "a-Long-pass-word-9", "password2": "a-Long-pass-word-9", "email": "n@x.io"},
    )
    entry = only("user.created")
    assert entry.target_repr == "nina"
    assert "a-Long-pass-word-9" not in str(entry.details)
    assert "password1" not in str(entry.details)


def test_agent_details_and_moves_are_recorded(staff):
    agent = AgentFactory(name="Budi")
    claims = DepartmentFactory(code="claims")
    staff.post(f"/manage/agents/{agent.pk}/", {"action": "details", "name": "Budi Santoso", "active": "on"})
    assert only("agent.updated").details == {"changed": {"name": "Budi Santoso"}}
    today = timezone.localdate().isoformat()
    staff.post(f"/manage/agents/{agent.pk}/", {"action": "move", "to_department": claims.pk, "effective_from": today})
    assert only("agent.moved").details == {"to": "claims", "from_day": today}


def test_tokens_created_and_revoked_are_recorded_without_the_key(staff):
    response = staff.post("/manage/tokens/", {"name": "zendesk"})
    token = ApiToken.objects.get(name="zendesk")
    created = only("token.created")
    assert created.target_id == str(token.pk) and created.details == {"prefix": token.prefix}
    page = response.content.decode()
    shown_key = page.split(token.prefix, 1)[1][:30]
    assert shown_key not in str(ChangeRecord.objects.values_list("details", flat=True))
    staff.post(f"/manage/tokens/{token.pk}/revoke/")
    assert only("token.revoked").target_repr.startswith("zendesk")


def test_sso_group_changes_are_recorded(staff):
    billing = DepartmentFactory(code="billing")
    staff.post("/manage/sso-groups/new/", {"claim_value": "nps-sup", "role": "supervisor", "departments": [billing.pk]})
    created = only("sso_group.created")
    assert created.details["after"] == {"group": "nps-sup", "role": "supervisor", "departments": ["billing"]}
    staff.post(f"/manage/sso-groups/{created.target_id}/delete/")
    assert only("sso_group.deleted").details["before"]["group"] == "nps-sup"


# --- Exports and erasures ----------------------------------------------------------------------


def test_dashboard_csv_downloads_are_recorded_with_their_filters(staff):
    DepartmentFactory(code="billing")
    assert staff.get("/dashboard/departments/?format=csv&period=90d").status_code == 200
    staff.get("/dashboard/export/?download=1&department=billing", REMOTE_ADDR=ADDRESS)
    staff.get("/dashboard/promoters/?format=csv")
    exports = list(ChangeRecord.objects.filter(action="export.downloaded").order_by("pk"))
    assert [e.details["path"] for e in exports] == [
        "/dashboard/departments/",
        "/dashboard/export/",
        "/dashboard/promoters/",
    ]
    assert exports[1].details["filters"]["department"] == "billing"
    assert exports[1].ip_address == ADDRESS
    assert exports[0].details["filters"] == {"period": "90d"}


def test_showing_the_export_page_without_downloading_is_not_an_export(staff):
    staff.get("/dashboard/export/")
    staff.get("/dashboard/departments/")
    assert not ChangeRecord.objects.exists()


def test_the_api_csv_export_names_the_token(api):
    assert api.get("/api/v1/responses/?format=csv").status_code == 200
    entry = only("export.downloaded")
    assert entry.actor is None and entry.actor_name == "api-token:test-integration"
    api.get("/api/v1/responses/")  # a JSON page is reading, not exporting
    assert ChangeRecord.objects.filter(action="export.downloaded").count() == 1


def test_an_erasure_is_recorded_without_the_identifier(staff):
    staff.post(
        "/dashboard/privacy/",
        {"email": "ana@example.com", "confirm": "on", "action": "erase"},
        REMOTE_ADDR=ADDRESS,
    )
    entry = only("customer.erased")
    assert (entry.actor_name, entry.ip_address, entry.target_type) == ("boss", ADDRESS, "privacy.auditentry")
    assert "ana@example.com" not in str(entry.details) + entry.target_repr
    assert entry.details["identifier_kind"] == "email"


def test_a_retention_run_is_recorded(db):
    from privacy import services

    entry = services.anonymise_older_than(12)
    record = only("retention.applied")
    assert (record.target_id, record.actor_name) == (str(entry.pk), "")
    assert record.details["months"] == 12 and record.details["via"] == "schedule"


# --- The page ----------------------------------------------------------------------------------


@pytest.fixture
def history(boss):
    older = UserFactory(username="olga", is_staff=True)
    now = timezone.now()
    rows = [
        ("survey.updated", older, "surveys.survey", "Phone survey", now - timedelta(days=10)),
        ("token.created", boss, "surveys.apitoken", "zendesk", now - timedelta(days=2)),
        ("user.updated", boss, "auth.user", "sam", now - timedelta(hours=1)),
        ("export.downloaded", older, "export", '=HYPERLINK("x")', now),
    ]
    for action, actor, target_type, target, at in rows:
        entry = audit.record(action, actor=actor, target_type=target_type, target_repr=target)
        ChangeRecord.objects.filter(pk=entry.pk).update(at=at)


def test_the_page_shows_entries_newest_first(staff, history):
    page = staff.get("/manage/audit/").content.decode()
    assert '<a href="/manage/audit/" aria-current="page">Audit log</a>' in page
    assert "4 entries" in page
    page = page[page.index("<tbody>") :]
    positions = [page.index(name) for name in ("export.downloaded", "user.updated", "token.created", "survey.updated")]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=user.updated", ["user.updated"]),
        ("action=user.", ["user.updated"]),
        ("actor=OLGA", ["export.downloaded", "survey.updated"]),
        ("target_type=surveys.apitoken", ["token.created"]),
        ("since={week_ago}", ["export.downloaded", "user.updated", "token.created"]),
        ("until={three_days_ago}", ["survey.updated"]),
        ("actor=boss&since={week_ago}&action=token", ["token.created"]),
    ],
)
def test_filters_from_the_query_string(staff, history, query, expected):
    today = timezone.localdate()
    query = query.format(week_ago=today - timedelta(days=7), three_days_ago=today - timedelta(days=3))
    response = staff.get(f"/manage/audit/?{query}&format=csv")
    body = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["at", "actor", "ip_address", "action", "target_type", "target_id", "target", "details"]
    assert [row[3] for row in rows[1:]] == expected


def test_the_csv_neutralises_formulas_and_is_itself_recorded(staff, history):
    body = b"".join(staff.get("/manage/audit/?format=csv").streaming_content).decode()
    assert "'=HYPERLINK" in body
    export = ChangeRecord.objects.filter(action="export.downloaded", actor_name="boss").get()
    assert export.target_repr == "Audit log"


def test_bad_filters_are_a_400_with_the_reason(staff):
    response = staff.get("/manage/audit/?since=2026-05-10&until=2026-05-01")
    assert response.status_code == 400
    assert "The start date must be on or before the end date." in response.content.decode()
    assert staff.get("/manage/audit/?since=yesterday").status_code == 400


def test_only_admins_see_it(client, history):
    client.force_login(UserFactory(username="sup"))
    assert client.get("/manage/audit/").status_code == 403
    client.logout()
    assert client.get("/manage/audit/").status_code == 302


def test_nothing_can_change_or_remove_an_entry(staff, history):
    entry = ChangeRecord.objects.first()
    assert staff.post("/manage/audit/", {"id": entry.pk}).status_code == 405
    assert ChangeRecord not in admin.site._registry
    assert staff.get(f"/admin/privacy/changerecord/{entry.pk}/change/").status_code == 404
    for name in ("manage-audit-edit", "manage-audit-delete"):
        with pytest.raises(NoReverseMatch):
            reverse(name)


def test_a_change_that_rolls_back_leaves_no_entry(boss):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("department.created", actor=boss, target=DepartmentFactory(code="x"))
        raise RuntimeError("the change failed")
    assert not ChangeRecord.objects.exists()
    assert get_user_model().objects.filter(username="boss").exists()
