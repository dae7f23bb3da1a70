"""Writing many rows' fields at once, in linear time.

Django's `bulk_update` builds a `CASE WHEN pk = ... THEN ...` expression per field and row and
resolves each in Python: a register import updating 4,000 homes spent half its time there.
`rows_update` sends the values instead, as one `UPDATE ... FROM (VALUES ...)` per page, each
value cast to its column's type so that NULLs and dates arrive as what they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from psycopg2.extras import execute_values

PAGE_SIZE = 1000


def rows_update(objects: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write `fields` of each saved object to its row (as `bulk_update` would); the row count."""
    if not objects:
        return 0
    meta = type(objects[0])._meta
    columns: list[Any] = [meta.get_field(name) for name in fields]
    key = meta.pk
    if key is None:  # abstract models have none; nothing saved can be one
        raise TypeError(f"{meta.label} has no primary key to update by.")
    quote = connection.ops.quote_name
    names = [quote(column.column) for column in columns]
    assignments = ", ".join(f"{name} = v.{name}" for name in names)
    statement = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names from the model, values bound
        f"FROM (VALUES %s) AS v({quote(key.column)}, {', '.join(names)}) "
        f"WHERE t.{quote(key.column)} = v.{quote(key.column)}"
    )
    casts = [_column_type(key), *(_column_type(column) for column in columns)]
    template = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    rows = [
        (obj.pk, *(column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns))
        for obj in objects
    ]
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, statement, rows, template=template, page_size=PAGE_SIZE)
    return len(rows)


def _column_type(field: Any) -> str:
    # A foreign key's column has the type of the key it points to ("bigint"), not its own.
    if field.is_relation:
        return str(field.target_field.rel_db_type(connection))
    return str(field.db_type(connection))
