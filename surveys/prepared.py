"""Server-side prepared statements for the few queries every customer request runs.

Planning the survey link lookup (a five-table join) costs PostgreSQL about 1 ms of CPU,
five times executing it. Django binds parameters client-side and never prepares, so the
hot statements are PREPAREd once per database connection and then EXECUTEd: the plan
is made once per connection instead of once per request.

Behind a pooler that hands one client's statements to different server connections
(PgBouncer in transaction mode), set SURVEY_PREPARED_STATEMENTS=false.
"""

import weakref

from django.conf import settings
from django.db import ProgrammingError, connection

_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()


def execute(cursor, name: str, sql: str, params: list) -> None:
    """cursor.execute(sql, params), through a statement prepared on this connection."""
    if connection.vendor != "postgresql" or not settings.SURVEY_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    raw = connection.connection
    names = _prepared.setdefault(raw, set())
    if name not in names:
        _prepare(cursor, name, sql, len(params))
        names.add(name)
    call = f"EXECUTE {name}({', '.join(['%s'] * len(params))})"
    try:
        cursor.execute(call, params)
    except ProgrammingError:  # deallocated behind our back (DISCARD ALL): prepare again, once
        if connection.in_atomic_block:
            raise
        _prepare(cursor, name, sql, len(params))
        cursor.execute(call, params)


def _prepare(cursor, name: str, sql: str, count: int) -> None:
    numbered = sql % tuple(f"${i}" for i in range(1, count + 1))
    cursor.execute(f"PREPARE {name} AS {numbered}")
