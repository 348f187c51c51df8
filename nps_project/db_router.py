"""Optional read replica for the dashboards: DATABASE_REPLICA_URL.

When the environment sets DATABASE_REPLICA_URL (a streaming replica of the primary, or a
PgBouncer in front of one), settings add the `replica` alias and this router. It sends
reads of the derived analytics tables (NPS buckets, histograms, funnel, drivers, champion
snapshots) there: what the dashboards, the NPS API and the digests read most. They are
rebuilt from the raw responses, and a second of replication lag on them is no worse than
the flush delay they already have.

Everything else stays on the primary (`default`): every write, every read of the raw and
user tables (sessions, logins, cases, answers), and any read inside a transaction on the
primary, so a writer always reads what it has just written.
"""

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
REPLICA_MODELS = frozenset(
    {
        "analytics.npsbucket",
        "analytics.scorehistogram",
        "analytics.funnelbucket",
        "analytics.driverbucket",
        "analytics.championsnapshot",
    }
)


class ReplicaRouter:
    """Derived analytics reads to the replica; all writes and everything else to the primary."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.label_lower in REPLICA_MODELS and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        # Explicit: without it Django writes an instance back where it was read from.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two ways in

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db != REPLICA  # the replica gets the schema by replication
