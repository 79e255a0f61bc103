"""The answer table partitioned by campaign on PostgreSQL (surveys.partitions); nothing on SQLite.

The model does not change (Answer keeps `id` as its primary key for Django; in PostgreSQL the key is
(id, campaign_id), which a partitioned table requires, and ids still come from one identity sequence).
Existing answers are copied into one partition per campaign; campaigns made later get theirs when
activated, and until then their answers sit in the DEFAULT partition.
"""

from django.db import migrations

TABLE = "surveys_answer"


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p')",
        [table, table],
    )
    return cursor.fetchall()


def _relkind(cursor) -> str | None:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
    row = cursor.fetchone()
    return row[0] if row else None


def _rebuild(cursor, *, partitioned: bool) -> None:
    """Move the answers into a new table of the same columns and indexes, partitioned by campaign or plain."""
    indexes = _secondary_indexes(cursor, TABLE)
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_old")
    cursor.execute(f"ALTER TABLE {TABLE}_old RENAME CONSTRAINT {TABLE}_pkey TO {TABLE}_old_pkey")
    for name, _definition in indexes:
        cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:50]}_old"')
    suffix = " PARTITION BY LIST (campaign_id)" if partitioned else ""
    cursor.execute(f"CREATE TABLE {TABLE} (LIKE {TABLE}_old INCLUDING DEFAULTS INCLUDING IDENTITY){suffix}")
    key = "id, campaign_id" if partitioned else "id"
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({key})")
    for _name, definition in indexes:
        cursor.execute(definition)
    if partitioned:
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        cursor.execute("SELECT id FROM campaigns_campaign ORDER BY id")
        for (campaign_id,) in cursor.fetchall():
            cursor.execute(f"CREATE TABLE {TABLE}_c{int(campaign_id)} PARTITION OF {TABLE} FOR VALUES IN ({int(campaign_id)})")
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_old")
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {TABLE}")
    cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id RESTART WITH {int(cursor.fetchone()[0])}")
    cursor.execute(f"DROP TABLE {TABLE}_old")


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if _relkind(cursor) == "r":
            _rebuild(cursor, partitioned=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if _relkind(cursor) == "p":
            _rebuild(cursor, partitioned=False)


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0009_vietnamese_labels"),
        ("surveys", "0015_xlsform_fidelity"),
    ]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
