"""The answer store partitioned by campaign (PostgreSQL only; nothing here does anything on SQLite).

On PostgreSQL `surveys_answer` is a LIST-partitioned table on `campaign_id` (migration
0016_answer_partitions): one partition `surveys_answer_c<id>` per campaign, and a DEFAULT partition
`surveys_answer_default` that catches the answers of a campaign whose partition does not exist yet (a
campaign written by a script or a fixture rather than activated). So the engine's statements for one
campaign (`WHERE a.campaign_id = %s`) read that campaign's partition and nothing else, and an old
campaign's answers can be detached into a table of their own, dumped and dropped without touching the rest.

Partitions are made by `answer_partition_ensure`: when a campaign is activated (a hook of
`campaigns.services.campaign_activate`), by `manage.py answer_partitions --sync`, and by the benchmark's
generator. Making one moves the campaign's rows out of the DEFAULT partition in the same transaction.
Answer has no foreign key in the database (see the model), so nothing references its rows and its
primary key can be (id, campaign_id), as PostgreSQL requires of a partitioned table; ids still come from
the one identity sequence of the parent, so `id` alone stays unique.

These are database plumbing, not services: the callers (activation, the command run by an operator)
have checked who may act.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

PARENT = "surveys_answer"
DEFAULT_PARTITION = "surveys_answer_default"


def partition_name(campaign_id: int) -> str:
    return f"surveys_answer_c{int(campaign_id)}"


def answers_partitioned() -> bool:
    """Whether the answer table is partitioned here (PostgreSQL after migration 0013)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


@dataclass(frozen=True)
class AnswerPartition:
    campaign_id: int | None  # None: the DEFAULT partition
    table: str
    rows: int  # the planner's estimate (pg_class.reltuples), -1 when never analysed


def answer_partitions() -> list[AnswerPartition]:
    """The partitions attached to the answer table, the DEFAULT one first; [] when not partitioned."""
    if not answers_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [PARENT],
        )
        rows = cursor.fetchall()
    found = []
    for table, bound, tuples in rows:
        campaign_id = None if bound == "DEFAULT" else int(bound.removeprefix("FOR VALUES IN (").rstrip(")").strip("'"))
        found.append(AnswerPartition(campaign_id, table, int(tuples)))
    return sorted(found, key=lambda p: (p.campaign_id is not None, p.campaign_id or 0))


def _attached(cursor, table: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s) AND inhparent = %s::regclass", [table, PARENT])
    return cursor.fetchone() is not None


def answer_partition_ensure(*, campaign_id: int) -> bool:
    """Give the campaign its own partition, moving its answers out of the DEFAULT partition; returns
    whether one was made (False: it exists already, or the store is not partitioned, e.g. SQLite).

    The partition is made apart and attached (ATTACH takes a lighter lock on the parent than CREATE …
    PARTITION OF: submissions to other campaigns go on), in the caller's transaction or a new one."""
    if not answers_partitioned():
        return False
    table = partition_name(campaign_id)
    with transaction.atomic(), connection.cursor() as cursor:
        if _attached(cursor, table):
            return False
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} (LIKE {PARENT} INCLUDING DEFAULTS)")
        # The campaign's rows that landed in the DEFAULT partition move with it (ATTACH refuses otherwise).
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE campaign_id = %s RETURNING *) INSERT INTO {table} SELECT * FROM moved",
            [int(campaign_id)],
        )
        cursor.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {table} FOR VALUES IN ({int(campaign_id)})")
    return True


def answer_partition_on_activation(campaign) -> None:
    """The activation hook (campaigns.services.activation_hook_register)."""
    answer_partition_ensure(campaign_id=campaign.pk)


def answer_partition_detach(*, campaign_id: int) -> str:
    """Detach a campaign's partition: its answers leave the answer table (the engine, exports and pages
    no longer see them) and stay in the standalone table returned, to dump (`pg_dump -t`) and drop, or
    attach again (`answer_partition_attach`). Raises LookupError when the campaign has no partition."""
    table = partition_name(campaign_id)
    with transaction.atomic(), connection.cursor() as cursor:
        if not answers_partitioned() or not _attached(cursor, table):
            raise LookupError(table)
        cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {table}")
    return table


def answer_partition_attach(*, campaign_id: int) -> None:
    """Attach again a campaign's partition detached earlier (e.g. restored from its dump)."""
    table = partition_name(campaign_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        if not answers_partitioned() or cursor.fetchone()[0] is None or _attached(cursor, table):
            raise LookupError(table)
        cursor.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {table} FOR VALUES IN ({int(campaign_id)})")


def answer_partitions_sync() -> list[int]:
    """Give a partition to every campaign whose answers sit in the DEFAULT partition; returns their ids."""
    if not answers_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT campaign_id FROM {DEFAULT_PARTITION} ORDER BY 1")
        waiting = [row[0] for row in cursor.fetchall()]
    return [campaign_id for campaign_id in waiting if answer_partition_ensure(campaign_id=campaign_id)]
