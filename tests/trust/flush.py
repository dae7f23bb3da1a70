"""Let the test suite's own database flush empty the trust log, and nothing else.

pytest-django cleans up after every transactional test with Django's `flush`: one TRUNCATE of
every table, which the trust log's trigger refuses unless the session has opted in with
`trust.allow_truncate` (trust/migrations/0002_entry_immutable.py). Just before that flush,
`flush_opt_in_arm()` installs a one-shot execute wrapper on the connection: the next TRUNCATE
is preceded, inside its own transaction, by `SET LOCAL trust.allow_truncate = 'on'`, and the
wrapper removes itself. The opt-in lasts exactly as long as the flush's transaction: no test
body ever runs with it, so the test that TRUNCATE is refused tests the real default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection


def _opt_in_for_truncate(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    if sql.lstrip().upper().startswith("TRUNCATE"):
        flush_opt_in_disarm()
        context["cursor"].cursor.execute("SET LOCAL trust.allow_truncate = 'on'")
    return execute(sql, params, many, context)


def flush_opt_in_arm() -> None:
    if _opt_in_for_truncate not in connection.execute_wrappers:
        connection.execute_wrappers.append(_opt_in_for_truncate)


def flush_opt_in_disarm() -> None:
    while _opt_in_for_truncate in connection.execute_wrappers:
        connection.execute_wrappers.remove(_opt_in_for_truncate)
