"""Importing a past register: each row becomes a backdated case (domain/imports.py), in batches
of rows written in one transaction each, so that an import stopped or killed halfway loses at
most the batch it was writing, and running it again finishes the job: a row whose case exists is
compared with it (unchanged, changed, or erased since), never written twice (docs/import.md).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import yaml
from eventsourcing.persistence import IntegrityError

from referral_engine.application.exports import csv_text
from referral_engine.application.mapping_yaml import MappingTooLarge, load_mapping
from referral_engine.application.ports import CaseStore
from referral_engine.application.reading import Clock
from referral_engine.application.registers import Register
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor, ImportMark
from referral_engine.domain.errors import ImportMappingInvalid, RowRefused
from referral_engine.domain.import_mapping import ImportMapping, PathStep, check_mapping
from referral_engine.domain.imports import (
    Cell,
    build_case,
    case_id_of,
    differences,
    row_digest,
    row_id_of,
)
from referral_engine.domain.regions import check_region
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.workflows.loader import WorkflowRegistry

BATCH = 500
"""Rows per transaction: large enough to amortise the round trips, small enough that a stop
comes soon and a kill loses little."""
OUTCOMES = ("imported", "unchanged", "changed", "erased", "refused")
"""What became of a row: imported now; its case already there as the row says (an earlier or
interrupted import); there but the row now says otherwise (reported, not applied); there but its
personal data erased since (never imported again); refused (nothing written)."""
MAPPING_MAX = 200_000
ERASED = "its case's personal data was erased after the import: not imported again"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowResult:
    """A row that was not simply imported: its number, id, what became of it and why."""

    row: int
    row_id: str | None
    outcome: str
    problems: tuple[tuple[str | None, str], ...] = ()


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do) with each row of a file."""

    register: str
    workflow: str
    file_name: str
    file_digest: str
    mapping_digest: str
    dry_run: bool
    rows: int
    done: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    listed: list[RowResult] = field(default_factory=list)
    """Every row changed, erased or refused, in file order."""
    stopped: bool = False

    def note(self, result: RowResult) -> None:
        self.counts[result.outcome] += 1
        if result.outcome not in ("imported", "unchanged"):
            self.listed.append(result)

    def summary(self) -> dict[str, Any]:
        """What an audit entry keeps of an import: the file and the counts, no row's content."""
        whole = self.as_dict()
        whole.pop("rows_listed")
        return whole

    def as_dict(self) -> dict[str, Any]:
        return {
            "register": self.register,
            "workflow": self.workflow,
            "file": self.file_name,
            "file_digest": self.file_digest,
            "mapping_digest": self.mapping_digest,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "done": self.done,
            "stopped": self.stopped,
            "counts": {k: self.counts.get(k, 0) for k in OUTCOMES},
            "rows_listed": [
                {
                    "row": r.row,
                    "row_id": r.row_id,
                    "outcome": r.outcome,
                    "problems": [{"column": c, "problem": p} for c, p in r.problems],
                }
                for r in self.listed
            ],
        }


Progress = Callable[[int, int], None]
REPORT_COLUMNS = ("row", "row_id", "outcome", "column", "problem")


def report_csv(report: ImportReport) -> bytes:
    """Every row not imported, one line per problem (UTF-8 with a BOM, as Excel opens it)."""
    lines = [
        (r.row, r.row_id or "", r.outcome, column or "", problem)
        for r in report.listed
        for column, problem in r.problems
    ]
    return csv_text(REPORT_COLUMNS, lines).encode("utf-8-sig")


class Imports:
    """Import registers into the case store, row by row, batch by batch."""

    def __init__(self, store: CaseStore, workflows: WorkflowRegistry, clock: Clock) -> None:
        self.store = store
        self.workflows = workflows
        self.clock = clock

    def mapping(
        self, workflow_id: str, text: str, version: int | None = None
    ) -> tuple[WorkflowDefinition, ImportMapping, str]:
        """The workflow, the mapping checked against it, and the mapping's digest."""
        workflow = self.workflows.get(workflow_id, version)
        if len(text) > MAPPING_MAX:
            raise ImportMappingInvalid([f"the mapping is longer than {MAPPING_MAX} characters"])
        try:
            raw = load_mapping(text)
        except MappingTooLarge as exc:
            raise ImportMappingInvalid([str(exc)]) from None
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            line = f" at line {where.line + 1}" if where is not None else ""
            problem = getattr(exc, "problem", None)
            said = f": {problem}" if isinstance(problem, str) else ""
            raise ImportMappingInvalid([f"the mapping is not readable YAML{line}{said}"]) from None
        digest = hashlib.sha256(text.encode()).hexdigest()
        return workflow, check_mapping(raw, workflow), digest

    def run(
        self,
        register: Register,
        workflow_id: str,
        mapping_text: str,
        *,
        actor: Actor,
        dry_run: bool = False,
        region: str | None = None,
        version: int | None = None,
        progress: Progress | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> ImportReport:
        """Import every row of `register` (or check them all, writing nothing, in a dry run)."""
        workflow, mapping, digest = self.mapping(workflow_id, mapping_text, version)
        if region is not None:
            region = check_region(region, workflow.regions)
        missing = [c for c in mapping.needed_columns if c not in register.columns]
        if missing:
            raise ImportMappingInvalid([f"the file has no column {c!r}" for c in missing])
        if actor.agency and mapping.agency:
            actor = Actor(actor.user_id, actor.role, mapping.agency)
        report = ImportReport(
            mapping.register,
            workflow.ref,
            register.name,
            register.digest,
            digest,
            dry_run,
            len(register.rows),
        )
        seen: dict[str, int] = {}
        build = (mapping, workflow, (actor, self.clock(), digest), region, register.digest)
        # Each batch is written by a thread while the next is built: the database's time and
        # the domain's (about even) overlap, as psycopg waits without holding the GIL.
        with ThreadPoolExecutor(1, thread_name_prefix="import-writer") as writer:
            waiting: tuple[Future[list[RowResult]], list[RowResult], int] | None = None
            for start in range(0, len(register.rows), BATCH):
                if stop is not None and stop():
                    report.stopped = True
                    break
                batch = register.rows[start : start + BATCH]
                rows, refused = _identified(batch, mapping, seen)
                settled, existing = self._settled(rows, mapping, digest, region)
                built, failed = _built([r for r in rows if r[0] not in settled], build)
                if waiting is not None:
                    _finished(*waiting, report, progress)
                job = writer.submit(self._write, built, existing, mapping, dry_run)
                waiting = (job, [*refused, *failed, *settled.values()], len(batch))
            if waiting is not None:
                _finished(*waiting, report, progress)
        return report

    def _settled(
        self, rows: Sequence[Row], mapping: ImportMapping, digest: str, region: str | None
    ) -> tuple[dict[int, RowResult], set[UUID]]:
        """The rows already imported as they stand (same cells, same mapping), or whose case
        was erased since, by row number: decided from their `CaseImported` events alone, so
        that importing a file again (or going on after a stop) builds none of them; and the
        ids of the rows' cases that exist (the writer compares the others' rows with them)."""
        ids = {case_id_of(mapping.register, row_id): (number, cells, row_id)
               for number, cells, row_id in rows}  # fmt: skip
        settled: dict[int, RowResult] = {}
        found = self.store.imported(list(ids))
        for case_id, (erased, mark) in found.items():
            number, cells, row_id = ids[case_id]
            if erased:
                settled[number] = RowResult(number, row_id, "erased", ((None, ERASED),))
            elif (
                mark is not None
                and mark.mapping_digest == digest
                and mark.row_digest == row_digest(mapping, cells, region)
            ):
                settled[number] = RowResult(number, row_id, "unchanged")
        return settled, set(found)

    def _write(
        self,
        built: Sequence[tuple[int, str, Case]],
        known: set[UUID],
        mapping: ImportMapping,
        dry_run: bool,
    ) -> list[RowResult]:
        """Write the batch's new cases in one transaction; compare those whose case exists
        (`known`) with it. A case written meanwhile by another import fails the batch's write,
        which then goes one case at a time."""
        results: list[RowResult] = []
        fresh: list[tuple[int, str, Case]] = []
        streams = self.store.streams([case.id for _, _, case in built if case.id in known])
        for number, row_id, case in built:
            if case.id in known:
                results.append(self._compare(number, row_id, case, mapping, streams[case.id]))
            else:
                fresh.append((number, row_id, case))
                results.append(RowResult(number, row_id, "imported"))
        if dry_run or not fresh:
            return results
        self.store.keys.prepare([case.id for _, _, case in fresh])
        pending = [case.collect_events() for _, _, case in fresh]
        try:
            self.store.append([e for events in pending for e in events])
        except IntegrityError:  # another import wrote some of these rows meanwhile: one by one
            lost = self._one_by_one(fresh, pending)
            results = [
                RowResult(r.row, r.row_id, "unchanged") if r.row in lost else r for r in results
            ]
        return results

    def _one_by_one(self, fresh: Sequence[tuple[int, str, Case]], pending: list[Any]) -> set[int]:
        """Save each case alone; the rows another import wrote first."""
        lost: set[int] = set()
        for (number, _, _), events in zip(fresh, pending, strict=True):
            try:
                self.store.append(events)
            except IntegrityError:
                lost.add(number)
        return lost

    def _compare(
        self, number: int, row_id: str, case: Case, mapping: ImportMapping, stored: list[Any]
    ) -> RowResult:
        """What an existing case (its `stored` events) says against the row made again."""
        if any(isinstance(e, Case.PersonalDataErased) for e in stored):
            return RowResult(number, row_id, "erased", ((None, ERASED),))
        mark = next((e for e in stored if isinstance(e, Case.Imported)), None)
        again = case.collect_events()[:-1]
        fields: list[str]
        dates: list[int]
        if mark is None:
            fields, dates = ["steps"], []
        else:
            workflow = self.workflows.get(case.workflow_id, case.workflow_version)
            derived = {d.name for d in workflow.derived}
            fields, dates = differences(stored[: mark.events], again, derived)
        if not fields and not dates:
            return RowResult(number, row_id, "unchanged")
        path = mapping.paths.get(case.state, ())
        columns: list[str | None] = [
            mapping.date_column(path[n].on) for n in dates if n < len(path)
        ]
        columns += [_column(mapping, path, name) for name in fields]
        named = ", ".join(c for c in dict.fromkeys(columns) if c)
        problem = f"differs from its case as imported ({named}); the case is left as it is"
        return RowResult(number, row_id, "changed", ((None, problem),))


def _column(mapping: ImportMapping, path: Sequence[PathStep], field_name: str) -> str | None:
    """The column a changed field comes from: its own, or the date column a constant of the
    path names (`$applied`); None for a field derived from others (an age band)."""
    if field_name == "steps":
        return mapping.state_column
    if (column := mapping.column_of(field_name)) is not None:
        return column
    for step in path:
        value = step.data.get(field_name)
        if isinstance(value, str) and value.startswith("$"):
            return mapping.date_column(value[1:])
    return None


Build = tuple[ImportMapping, WorkflowDefinition, tuple[Actor, datetime, str], str | None, str]
"""What builds each row's case: the mapping, the workflow, (importer, now, mapping digest), the
file's one region if given, the file's digest."""


Row = tuple[int, dict[str, Cell], str]
"""A row with its id: its number in the file, its cells, its id in the register."""


def _identified(
    batch: Sequence[tuple[int, dict[str, Cell]]], mapping: ImportMapping, seen: dict[str, int]
) -> tuple[list[Row], list[RowResult]]:
    """The batch's rows with their ids, and those refused for theirs (missing, or met before:
    `seen` holds the ids met so far)."""
    rows: list[Row] = []
    refused: list[RowResult] = []
    for number, cells in batch:
        try:
            row_id = row_id_of(mapping, cells)
            if row_id in seen:
                same = f"the same id as row {seen[row_id]}: each row needs its own"
                raise RowRefused([(mapping.row_id, same)])
        except RowRefused as exc:
            ident = _shown_id(cells.get(mapping.row_id))
            refused.append(RowResult(number, ident, "refused", exc.problems))
            continue
        seen[row_id] = number
        rows.append((number, cells, row_id))
    return rows, refused


def _built(
    rows: Sequence[Row], build: Build
) -> tuple[list[tuple[int, str, Case]], list[RowResult]]:
    """The rows' cases, and the rows refused."""
    mapping, workflow, ctx, region, file_digest = build
    built: list[tuple[int, str, Case]] = []
    refused: list[RowResult] = []
    for number, cells, row_id in rows:
        try:
            mark = ImportMark(mapping.register, number, row_id, file_digest)
            built.append((number, row_id, build_case(mapping, workflow, cells, mark, ctx, region)))
        except RowRefused as exc:
            refused.append(RowResult(number, row_id, "refused", exc.problems))
        except Exception as exc:  # a defect must not abort the file: this row, and only it, out
            # the type alone is logged: a message may quote a cell, and cells may be personal
            log.error("import: row %d could not be checked (%s)", number, type(exc).__name__)
            problem = f"could not be checked (an error in the engine: {type(exc).__name__})"
            refused.append(RowResult(number, row_id, "refused", ((None, problem),)))
    return built, refused


def _finished(
    job: Future[list[RowResult]],
    refused: list[RowResult],
    rows: int,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    """Note a written batch's rows in file order, and move the progress on."""
    for result in sorted([*job.result(), *refused], key=lambda r: r.row):
        report.note(result)
    report.done += rows
    if progress is not None:
        progress(report.done, report.rows)


def _shown_id(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return text[:200] if text and text.isprintable() else None
