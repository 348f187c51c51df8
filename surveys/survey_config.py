"""What the ingest reads of the surveys, kept per web process while a stamp says it is current.

Every reported interaction needs the active assignment rules, the default survey and the
current version of the survey it gets: three queries that the ORM took longer to compose
than PostgreSQL to answer, on every single POST, for rows that change when an admin edits
a survey, a few times a month. They are kept here, in the process, under the value of
`surveys_config_stamp` they were read under (migration 0005): a trigger on surveys_survey,
surveys_surveyassignment and surveys_surveyversion sets that stamp to a fresh number in the
transaction of every write to them, however it is made. A request reads the stamp (in the
same query as its API token, surveys/authentication.py, or on its own) and uses what is
kept only if it was read under that very stamp, else it reads the rows again. So an edited
survey is used by every process from the first request that starts after the edit commits.

Never remembered: anything read after the surveys changed since the stamp was read, by
another transaction or by the request's own, which may still roll back (SurveyConfig), and
anything on SQLite (no stamp there; the embedded mode is one process and reads every time).

The kept objects are shared by the threads of a process: they are read, never changed.
"""

from django.db import connection

from surveys.assignment import best_rule
from surveys.models import Survey, SurveyAssignment, SurveyVersion

STAMP_SQL = "SELECT stamp FROM surveys_config_stamp WHERE id = 1"


def read_stamp() -> int | None:
    """The stamp now (None on SQLite, or if the stamp row is missing: then nothing is kept)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(STAMP_SQL)
        row = cursor.fetchone()
    return row[0] if row else None


class SurveyConfig:
    """The rules, the default survey and the current versions as of one stamp.

    Something read is remembered (and the config shared with the next requests) only if the
    stamp is still the same right after reading it, as this transaction sees it: then
    nothing was written to the surveys since the stamp was read, neither by another
    transaction's commit nor by this one, whose writes (a default survey or a first version
    made on first use, by this request or by its caller) could still roll back. That costs
    one more read of the stamp, only when something is read."""

    def __init__(self, stamp: int | None) -> None:
        self.stamp = stamp
        self.rules = list(SurveyAssignment.objects.filter(survey__active=True).select_related("survey").order_by())
        self.shareable = self._unchanged()
        self._default: Survey | None = None
        self._chosen: dict[tuple[int | None, str], Survey] = {}
        self._versions: dict[int, SurveyVersion] = {}

    def _unchanged(self) -> bool:
        return self.stamp is not None and read_stamp() == self.stamp

    def _may_remember(self) -> bool:
        """A config no other request will see (SQLite, or read under a stale stamp) remembers
        for the rest of its request, as the chooser did; a shared one only while unchanged."""
        return not self.shareable or self._unchanged()

    def survey_for(self, *, department_id: int | None, channel: str) -> Survey:
        """surveys.assignment.survey_for, from the remembered rules."""
        key = (department_id, channel)
        survey = self._chosen.get(key)
        if survey is None:
            rule = best_rule(
                r for r in self.rules if r.department_id in (None, department_id) and r.channel in ("", channel)
            )
            if rule is not None:
                survey = self._chosen[key] = rule.survey
            else:
                survey = self.default_survey()
                if self._default is not None:
                    self._chosen[key] = survey
        return survey

    def default_survey(self) -> Survey:
        if self._default is not None:
            return self._default
        from surveys.services import default_survey  # services import the ingest, which imports this

        survey = default_survey()  # read, or made on first use
        if self._may_remember():
            self._default = survey
        return survey

    def versions(self, surveys) -> dict[int, SurveyVersion]:
        """surveys.versions.current_versions, each survey's read once per stamp."""
        from surveys.versions import current_versions

        wanted = {survey.pk: survey for survey in surveys}
        missing = [survey for pk, survey in wanted.items() if pk not in self._versions]
        found: dict[int, SurveyVersion] = {}
        if missing:
            found = current_versions(missing)  # a survey without a version gets its first one
            if self._may_remember():
                self._versions.update(found)
        return {pk: found.get(pk) or self._versions[pk] for pk in wanted}


_kept: SurveyConfig | None = None


def survey_config(stamp: int | None = None) -> SurveyConfig:
    """The SurveyConfig for `stamp` (read now if not given): the one the process keeps when
    it was read under the same stamp, else a new one, kept for the next requests."""
    global _kept
    if stamp is None:
        stamp = read_stamp()
    kept = _kept
    if stamp is not None and kept is not None and kept.stamp == stamp:
        return kept
    config = SurveyConfig(stamp)
    if config.shareable:
        _kept = config  # a racing thread may replace it with its own: both are right
    return config


def forget() -> None:
    """Drop what the process keeps (tests)."""
    global _kept
    _kept = None
