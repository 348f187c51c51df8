"""The SQL that says what each breakdown row counts, shared by the rebuild that aggregates
it (analytics.breakdowns) and the check that fingerprints it (analytics.breakdown_fingerprints):
one definition, so the two cannot drift apart. Interactions are aliased `i`, their
invitations `v`, responses `r`."""

from django.db import connection

HANDLE_BANDS = [
    (0, 180, "under 3 min"),
    (180, 360, "3–6 min"),
    (360, 600, "6–10 min"),
    (600, 1200, "10–20 min"),
    (1200, None, "over 20 min"),
]
TRANSFER_VALUES = ["0", "1", "2", "3+"]
DIMENSIONS = {
    "handle_time": [label for _, _, label in HANDLE_BANDS] + ["unknown"],
    "transfers": [*TRANSFER_VALUES, "unknown"],
    "resolved": ["resolved", "unresolved", "unknown"],
}
TRANSFERS_SQL = (
    "CASE WHEN i.transfers IS NULL THEN 'unknown' WHEN i.transfers = 0 THEN '0' WHEN i.transfers = 1 THEN '1' "
    "WHEN i.transfers = 2 THEN '2' ELSE '3+' END"
)
RESOLVED_SQL = "CASE WHEN i.resolved IS NULL THEN 'unknown' WHEN i.resolved THEN 'resolved' ELSE 'unresolved' END"
TAG_LENGTH = 60

# Why interactions were not surveyed: one counter per reason (surveys.models.SuppressedReason).
SUPPRESSED_REASONS = ["not_requested", "too_old", "fatigue", "sample_reached", "channel_disabled", "survey_inactive"]
# Per funnel counter, when an interaction (left-joined to its invitation) raises it.
FUNNEL_CONDITIONS = {
    "interactions": "TRUE",
    "suppressed": "v.status = 'suppressed'",
    **{reason: f"v.status = 'suppressed' AND v.suppressed_reason = '{reason}'" for reason in SUPPRESSED_REASONS},
    "invited": "v.id IS NOT NULL AND v.status <> 'suppressed'",
    "delivered": "v.status <> 'suppressed' AND v.sent_at IS NOT NULL",
    "failed": "v.status = 'failed'",
    "opened": "v.opened_at IS NOT NULL OR v.status = 'answered'",
    "answered": "v.status = 'answered'",
}
FUNNEL_COUNTERS = list(FUNNEL_CONDITIONS)
CHARTED_KINDS = ("csat", "ces", "yes_no")
QUESTION_KEY_LENGTH = 40
ANSWER_VALUE_LENGTH = 10


def handle_band_sql() -> str:
    cases = " ".join(
        f"WHEN i.handle_seconds < {upper} THEN '{label}'" for _lower, upper, label in HANDLE_BANDS if upper is not None
    )
    return f"CASE WHEN i.handle_seconds IS NULL THEN 'unknown' {cases} ELSE '{HANDLE_BANDS[-1][2]}' END"


def tags_join() -> str:
    if connection.vendor == "postgresql":
        return "CROSS JOIN LATERAL jsonb_array_elements_text(i.tags) AS t(tag)"
    return "JOIN json_each(i.tags) AS t"


def tag_value() -> str:
    return f"SUBSTR({'t.tag' if connection.vendor == 'postgresql' else 't.value'}, 1, {TAG_LENGTH})"


def extra_answers_sql() -> tuple[str, str, str, str]:
    """Each answer of a response to a charted extra question, with the question's kind as
    the survey version it answered defines it: (joins and conditions after `surveys_response
    r`, key, kind, value)."""
    kinds = ", ".join(f"'{k}'" for k in CHARTED_KINDS)
    if connection.vendor == "postgresql":
        return (
            "CROSS JOIN LATERAL jsonb_each(r.extra_answers) AS a(key, value) "
            "JOIN surveys_surveyversion sv ON sv.id = r.survey_version_id "
            "CROSS JOIN LATERAL jsonb_array_elements(sv.content -> 'questions') AS q(question) "
            f"WHERE q.question ->> 'key' = a.key AND q.question ->> 'kind' IN ({kinds}) "
            "AND jsonb_typeof(a.value) IN ('number', 'boolean')",
            f"SUBSTR(a.key, 1, {QUESTION_KEY_LENGTH})",
            "q.question ->> 'kind'",
            f"SUBSTR(a.value #>> '{{}}', 1, {ANSWER_VALUE_LENGTH})",
        )
    return (
        "JOIN json_each(r.extra_answers) AS a "
        "JOIN surveys_surveyversion sv ON sv.id = r.survey_version_id "
        "JOIN json_each(sv.content, '$.questions') AS q "
        f"WHERE json_extract(q.value, '$.key') = a.key AND json_extract(q.value, '$.kind') IN ({kinds}) "
        "AND a.type IN ('integer', 'true', 'false')",
        f"SUBSTR(a.key, 1, {QUESTION_KEY_LENGTH})",
        "json_extract(q.value, '$.kind')",
        f"SUBSTR(CASE a.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(a.value AS TEXT) END, "
        f"1, {ANSWER_VALUE_LENGTH})",
    )
