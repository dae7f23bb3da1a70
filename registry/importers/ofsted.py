"""Import of Ofsted's provider-level register ("Children's social care data in England").

One file is one ImportRun and one transaction: children's homes are kept (every other
provision type is skipped before any check, so it is never rejected), each home gets one
HomeObservation for the register's date, and Home holds the state of the latest register
that lists it. Closures: a home absent from a register dated after the last one that listed
it is closed on that register's date; it reopens if a later register lists it again.
Importing an older register after a newer one only adds observations and widens
first_seen_on (and creates, already closed, the homes that only the older register lists).
Re-importing a file changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from geography.names import AuthorityName, AuthorityNameMatcher
from geography.selectors import local_authorities_all
from ownership.services import market_recompute_after_import
from providers.models import ImportRun, ProviderOrganisation
from registry.importers import ofsted_guards
from registry.importers.ofsted_editions import edition_facts
from registry.importers.ofsted_files import Cell, RegisterTable, as_of_from_file_name, as_of_from_title, register_open
from registry.importers.ofsted_homes import HomeApplier
from registry.importers.ofsted_owners import OwnerBook
from registry.importers.ofsted_rows import (
    RegisterRow,
    RegisterSummary,
    RowRejectedError,
    home_kind,
    parse_row,
    parse_urn,
)
from registry.importers.ofsted_totals import release_totals_save

Progress = Callable[[str], None]
PROGRESS_EVERY = 500
REJECTED_ROWS_KEPT = 1000


class OfstedImportError(ValueError):
    """The file cannot be imported at all (no header, no date): nothing was changed."""


@dataclass
class RegisterReading:
    """The rows of one register, read and checked, before anything is written."""

    rows: list[RegisterRow] = field(default_factory=list)
    rejected: list[dict[str, int | str]] = field(default_factory=list)
    # URNs of rejected rows that could still be read: the register lists those homes, so a
    # row we cannot read must not close a home we already hold.
    rejected_urns: set[str] = field(default_factory=set)
    summary: RegisterSummary = field(default_factory=RegisterSummary)
    other_provision: int = 0


def _silent(message: str) -> None:
    return None


def _note_listed(reading: RegisterReading, table: RegisterTable, cells: list[Cell]) -> None:
    with contextlib.suppress(RowRejectedError):  # no readable URN: nothing to keep open
        reading.rejected_urns.add(parse_urn(table.value(cells, "urn")))


# One import at a time: each reads the homes it will close or change before writing.
IMPORT_LOCK_KEY = 7_210_305_001


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def register_as_of(table: RegisterTable, path: Path, given: datetime.date | None) -> datetime.date:
    """The register's date: as given, else from its title ("as at 31 March 2025"), else its name."""
    as_of = given or as_of_from_title(table.title_text) or as_of_from_file_name(path.name)
    if as_of is None:
        raise OfstedImportError(
            f"{path.name}: no date found in the file's title (e.g. 'as at 31 March 2025') or its name "
            "(e.g. provider_at_march_2025.csv); give it with --as-of YYYY-MM-DD"
        )
    return as_of


def authority_matcher() -> AuthorityNameMatcher:
    return AuthorityNameMatcher(
        AuthorityName(pk=authority.pk, ons_code=authority.ons_code, name=authority.name, ended_on=authority.ended_on)
        for authority in local_authorities_all()
    )


def register_read(table: RegisterTable, *, as_of: datetime.date, progress: Progress) -> RegisterReading:
    """Every children's-home row typed, or rejected with its line and reason."""
    matcher = authority_matcher()
    reading = RegisterReading()
    first_line_of_urn: dict[str, int] = {}
    for line, cells in table.rows:
        kind = home_kind(table.value(cells, "provision_type"))
        reading.summary.add(table, cells, kind)
        if reading.summary.rows % PROGRESS_EVERY == 0:
            progress(f"{reading.summary.rows} rows read")
        if kind is None:
            reading.other_provision += not _is_blank(cells)
            continue
        try:
            row = parse_row(table, line, cells, kind=kind, matcher=matcher, on=as_of)
            _check_first_occurrence(row, first_line_of_urn)
        except RowRejectedError as error:
            reading.rejected.append({"line": line, "reason": str(error)})
            _note_listed(reading, table, cells)
            continue
        reading.rows.append(row)
    progress(
        f"{reading.summary.rows} rows read, {len(reading.rows)} children's homes, {len(reading.rejected)} rejected"
    )
    return reading


def _is_blank(cells: list[object]) -> bool:
    return all(cell in (None, "") for cell in cells)


def _check_first_occurrence(row: RegisterRow, first_line_of_urn: dict[str, int]) -> None:
    first = first_line_of_urn.setdefault(row.urn, row.line)
    if first != row.line:
        raise RowRejectedError(f"URN {row.urn} is listed twice (first on line {first})")


def _owners_resolve(
    reading: RegisterReading, as_of: datetime.date
) -> tuple[OwnerBook, dict[str, ProviderOrganisation | None]]:
    owners = OwnerBook.load(as_of)
    organisation_of_urn = {row.urn: owners.resolve(row.registered_owner_name, row.sector) for row in reading.rows}
    return owners, organisation_of_urn


def _run_import(
    path: Path, sha256: str, given_as_of: datetime.date | None, progress: Progress, allow_shrink: str = ""
) -> ImportRun:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
    table = register_open(path)
    as_of = register_as_of(table, path, given_as_of)
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.OFSTED, source_name=path.name[:255], source_sha256=sha256, as_of=as_of
    )
    reading = register_read(table, as_of=as_of, progress=progress)
    ofsted_guards.register_lists_homes(
        name=path.name, children_homes=reading.summary.all_children_home_types, rows=reading.summary.rows
    )
    baseline = ofsted_guards.RegisterBaseline.load(as_of)
    owners, organisation_of_urn = _owners_resolve(reading, as_of)
    owner_counts = owners.save()
    progress("writing homes and observations")
    applier = HomeApplier.load(as_of=as_of, import_run=run)
    counts = applier.apply(reading.rows, organisation_of_urn, also_listed=reading.rejected_urns)
    shrink = ofsted_guards.register_shrink_check(
        baseline, name=path.name, listed_homes=reading.summary.all_children_home_types, allow_shrink=allow_shrink
    )
    owners.ensure_entities()
    run.counts = {
        **counts,
        "rejected": len(reading.rejected),
        "other_provision_skipped": reading.other_provision,
        **owner_counts,
        **release_totals_save(path=path, as_of=as_of),
    }
    run.rejected_rows = reading.rejected[:REJECTED_ROWS_KEPT]
    run.summary = {"as_of": as_of.isoformat(), **reading.summary.as_dict(), "changed_fields": applier.changed_fields}
    if shrink:  # the drop past REGISTER_MAX_SHRINK_PERCENT, and the reason it was allowed
        run.summary["shrink_allowed"] = shrink
    edition = edition_facts(title_text=table.title_text, summary=reading.summary, as_of=as_of)
    run.status = ImportRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "rejected_rows", "summary", "status", "finished_at", *edition.record_on(run)])
    return run


def _failed_run_record(path: Path, sha256: str, as_of: datetime.date | None, error: Exception) -> None:
    """A record of the failed attempt, written after the import's own transaction rolled back."""
    now = timezone.now()
    ImportRun.objects.create(
        kind=ImportRun.Kind.OFSTED,
        source_name=path.name[:255],
        source_sha256=sha256,
        as_of=as_of,
        status=ImportRun.Status.FAILED,
        started_at=now,
        finished_at=now,
        error=f"{type(error).__name__}: {error}",
    )


def ofsted_register_import(
    *,
    path: Path | str,
    as_of: datetime.date | None = None,
    progress: Progress | None = None,
    allow_shrink: str = "",
) -> ImportRun:
    """Imports one register file, all or nothing; returns its ImportRun.

    On failure the database is left as it was, apart from a FAILED ImportRun saying why,
    and the error is raised again. A register far smaller than the previous one is refused
    unless `allow_shrink` gives the reason (ofsted_guards.register_shrink_check).
    """
    path = Path(path)
    sha256 = file_sha256(path)
    try:
        with transaction.atomic():
            run = _run_import(path, sha256, as_of, progress or _silent, allow_shrink)
            # The market snapshots are recomputed once this import commits.
            market_recompute_after_import()
    except Exception as error:
        _failed_run_record(path, sha256, as_of, error)
        raise
    return run
