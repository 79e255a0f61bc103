"""Plain-SQL helpers for the submission path, where the ORM's Python per statement costs more than the work.

A submission makes a handful of statements; through the ORM each one costs 0.2–0.5 ms of CPU to build
(query objects, compilers, model instances), against 0.05 ms for a statement kept as text. These helpers
keep the text per process, take table and column names from the models, and let each field convert its
value for the database (`get_db_prep_value`), so SQLite and PostgreSQL get what the ORM would send.
Everything else goes through the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

_STATEMENTS: dict[tuple[str, str], str] = {}


def statement(key: str, build: Callable[[Callable[[str], str]], str]) -> str:
    """The SQL text `build(quote)` for this database vendor, built once per process."""
    cache_key = (connection.vendor, key)
    text = _STATEMENTS.get(cache_key)
    if text is None:
        text = _STATEMENTS[cache_key] = build(connection.ops.quote_name)
    return text


def fetch_one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: Sequence[Any]) -> int:
    """Run one write statement; the number of rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _insert_fields(model: type[Model]) -> list[Any]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def insert_sql(model: type[Model], *, returning: bool) -> str:
    """`INSERT INTO table (every column but the key) VALUES (%s, …)`, with `RETURNING key` if asked."""
    meta = model._meta

    def build(quote: Callable[[str], str]) -> str:
        fields = _insert_fields(model)
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        text = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names from the model)
        return text + (f" RETURNING {quote(meta.pk.column)}" if returning else "")

    return statement(f"insert:{meta.label}:{returning}", build)


def insert_params(obj: Model) -> list[Any]:
    """The values of `insert_sql` for a new instance: each field's `pre_save` (so `auto_now_add` and
    `auto_now` are filled) converted by its `get_db_prep_save`, as the ORM does."""
    return [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in _insert_fields(type(obj))]


def mark_saved(obj: Model, pk: Any) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


def model_insert(obj: Model) -> None:
    """INSERT a new model instance in one statement and set its primary key, as `save(force_insert=True)`.

    What is skipped is the machinery around the ORM's insert: the pre/post-save signals and the
    related-object checks. So it is only for models without a `save()` override and without save
    signals; the test of each caller asserts that (see surveys/tests/test_api_speed.py).
    """
    returning = connection.features.can_return_columns_from_insert
    with connection.cursor() as cursor:
        cursor.execute(insert_sql(type(obj), returning=returning), insert_params(obj))
        pk = cursor.fetchone()[0] if returning else connection.ops.last_insert_id(cursor, obj._meta.db_table, obj._meta.pk.column)
    mark_saved(obj, pk)
