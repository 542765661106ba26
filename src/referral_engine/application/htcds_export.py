"""An anonymised case-level export in the Human Trafficking Case Data Standard (docs/htcds.md):
each case opened in the period, as the event log stood at the end of its last day, mapped to the
standard by its workflow's `htcds:` block (domain/htcds_mapping.py), made k-anonymous on the
declared quasi-identifiers (application/anonymity.py), checked with pycanon, and written as CSV or
XLSX, the same bytes for the same data and parameters. No personal field is ever read, no case id
written; erased cases are left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Literal, NamedTuple, Protocol
from uuid import UUID

from referral_engine.application.anonymity import anonymise
from referral_engine.application.htcds_files import to_csv, to_xlsx
from referral_engine.domain.errors import FieldProblem, InvalidData
from referral_engine.domain.htcds import FIELDS, ORDER
from referral_engine.domain.htcds_hierarchies import describe, hierarchy
from referral_engine.domain.htcds_mapping import CaseRecord
from referral_engine.workflows.loader import WorkflowRegistry

Format = Literal["csv", "xlsx"]
DEFAULT_QUASI = (
    "prs_Gender",
    "prs_Citizenship",
    "vic_TypeOfExploitation",
    "hte_Country",
    "cas_IncomingReferralDate",
)
"""Sex, citizenship, forms of exploitation, country of exploitation, year (no age: the standard's
age field is not transcribed, domain/htcds.py)."""
DEFAULT_K = 11
"""The Counter Trafficking Data Collaborative's k for its public global data set."""
MAX_SUPPRESSED = 0.05
"""At most this share of the records is suppressed: the rest is generalised."""


class Step(NamedTuple):
    """One case event as the export reads it (nothing personal: `data` holds the coded fields
    only, sealed values stay sealed)."""

    name: str
    milestones: frozenset[str]
    opened: bool
    to_state: str | None
    workflow_id: str
    workflow_version: int
    on: date
    data: dict[str, Any]


class CaseEvents(Protocol):
    """The case streams as recorded up to a moment, erased cases left out
    (adapters/htcds_source.py)."""

    def cases(self, until: datetime) -> Iterator[tuple[UUID, list[Step]]]: ...


@dataclass(frozen=True)
class ExportRequest:
    """What a statistician asks for: cases opened from `start` to `end` (both included)."""

    start: date
    end: date
    k: int = DEFAULT_K
    quasi: tuple[str, ...] = DEFAULT_QUASI
    format: Format = "csv"

    def detail(self) -> dict[str, Any]:
        """The parameters, as an audit entry records them."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "k": self.k,
            "quasi": list(self.quasi),
            "format": self.format,
        }


@dataclass(frozen=True)
class HtcdsExport:
    """The file and what it says of itself: the records considered and suppressed, the level
    each quasi-identifier was generalised to, the cases in it (kept only as keyed hashes in the
    export's ledger entry, for recalls after an erasure) and its SHA-256 digest."""

    request: ExportRequest
    as_of: datetime
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    considered: int
    suppressed: int
    levels: dict[str, int]
    content: bytes
    cases: list[UUID] = field(repr=False)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def generalisations(self) -> dict[str, str]:
        """Each quasi-identifier's level, in words."""
        return {q: describe(q, lv) for q, lv in self.levels.items()}

    def report(self) -> dict[str, Any]:
        """What the export says of itself (audit entry, CLI, API headers)."""
        return {
            **self.request.detail(),
            "as_of": self.as_of.isoformat(),
            "considered": self.considered,
            "exported": len(self.rows),
            "suppressed": self.suppressed,
            "generalisations": self.generalisations,
            "digest": self.digest,
        }


def checked(
    start: date | None,
    end: date | None,
    k: int,
    quasi: str | Sequence[str] | None,
    fmt: str,
    today: date,
) -> ExportRequest:
    """The request, or InvalidData naming each bad parameter with its code (`from_after_to`,
    `to_in_future`, `k_out_of_range`, `unknown_field`, `quasi_count`, `format`); `quasi` is
    comma-separated (the CLI) or a list (the API), the default quasi-identifiers when None."""
    problems = []
    end = end or today
    start = start or end.replace(month=1, day=1)
    if start > end:
        problems.append(FieldProblem("from", "must not be after 'to'", "from_after_to"))
    if end > today:
        problems.append(FieldProblem("to", "must not be in the future", "to_in_future"))
    if not 2 <= k <= 1000:
        problems.append(FieldProblem("k", "must be from 2 to 1000", "k_out_of_range"))
    names: tuple[str, ...]
    if quasi is None:
        names = DEFAULT_QUASI
    else:
        names = tuple(q.strip() for q in (quasi.split(",") if isinstance(quasi, str) else quasi))
    for name in names:
        found = FIELDS.get(name)
        if found is None or found.identifying:
            known = ", ".join(n for n, f in FIELDS.items() if not f.identifying)
            problems.append(
                FieldProblem(
                    "quasi",
                    f"'{name}' is not an HTCDS field exported; known: {known}",
                    "unknown_field",
                )
            )
    if len(set(names)) != len(names) or not names or len(names) > 8:
        problems.append(FieldProblem("quasi", "from one to eight fields, each once", "quasi_count"))
    if fmt not in ("csv", "xlsx"):
        problems.append(FieldProblem("format", "must be csv or xlsx", "format"))
    if problems:
        raise InvalidData(problems)
    return ExportRequest(start, end, k, names, fmt)  # type: ignore[arg-type]


def export(
    source: CaseEvents, workflows: WorkflowRegistry, request: ExportRequest, now: datetime
) -> HtcdsExport:
    """The anonymised file for a request, as the log stood at the end of its last day."""
    as_of = min(datetime.combine(request.end, time.max, tzinfo=UTC), now)
    ids, records = _records(source, workflows, request, as_of)
    quasi = request.quasi
    levels = {q: hierarchy(q, (r.get(q, "") for r in records), request.k) for q in quasi}
    done = anonymise(records, quasi, levels, k=request.k, max_suppressed=MAX_SUPPRESSED)
    columns = _columns(workflows, quasi)
    rows = sorted(tuple(r.get(c, "") for c in columns) for r in done.records)
    _verify(columns, rows, quasi, request.k)
    write = to_xlsx if request.format == "xlsx" else to_csv
    content = write(columns, rows)
    kept = sorted((ids[i] for i in done.kept), key=str)
    return HtcdsExport(
        request, as_of, columns, rows, len(records), done.suppressed, done.levels, content, kept
    )


def _records(
    source: CaseEvents, workflows: WorkflowRegistry, request: ExportRequest, as_of: datetime
) -> tuple[list[UUID], list[dict[str, str]]]:
    """Each case opened in the period that a workflow maps: its id and its HTCDS values."""
    ids, records = [], []
    for case_id, steps in source.cases(as_of):
        record = CaseRecord()
        for s in steps:
            mapping = workflows.get(s.workflow_id, s.workflow_version).htcds
            if mapping is not None:
                record.fold(
                    mapping,
                    name=s.name,
                    milestones=s.milestones,
                    opened=s.opened,
                    to_state=s.to_state,
                    on=s.on,
                    data=s.data,
                )
        opened = record.opened_on
        if record.mapping is None or opened is None or not request.start <= opened <= request.end:
            continue
        ids.append(case_id)
        records.append(record.record())
    return ids, records


def _columns(workflows: WorkflowRegistry, quasi: Sequence[str]) -> tuple[str, ...]:
    """Every field some workflow version maps, and the quasi-identifiers, in the standard's order:
    the same header whatever the period holds."""
    named = set(quasi)
    for w in workflows:
        if w.htcds is not None:
            named |= w.htcds.columns
    return tuple(c for c in ORDER if c in named)


def _verify(
    columns: tuple[str, ...], rows: list[tuple[str, ...]], quasi: Sequence[str], k: int
) -> None:
    """pycanon's own reading of exactly what is written: every combination of the
    quasi-identifiers shared by at least k rows; and every cell a value the standard's field can
    hold (docs/htcds.md) or empty."""
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            if value != "" and not FIELDS[column].allows(value):
                raise AssertionError(f"{column}: '{value}' is not a value of the field")
    if not rows:
        return
    import pandas as pd  # the checker's data frame; imported only when an export runs
    from pycanon import anonymity

    frame = pd.DataFrame(rows, columns=list(columns))[list(quasi)]
    found = anonymity.k_anonymity(frame, list(quasi))
    if found < k:
        raise AssertionError(f"pycanon finds k = {found} < {k}: the export is not written")


class Ledger(Protocol):
    """Where exports are kept with their cases as keyed hashes (adapters/htcds_exports.py)."""

    def record(
        self, *, by: str, at: datetime, detail: dict[str, Any], digest: str, cases: Sequence[UUID]
    ) -> UUID: ...

    def recalls(self, case_id: UUID) -> list[dict[str, Any]]: ...


class HtcdsExports:
    """Make an export and keep it in the ledger; list the exports holding a case."""

    def __init__(
        self,
        source: CaseEvents,
        ledger: Ledger,
        workflows: WorkflowRegistry,
        clock: Callable[[], datetime],
    ) -> None:
        self.source, self.ledger, self.workflows, self.clock = source, ledger, workflows, clock

    def make(self, request: ExportRequest, *, by: str) -> tuple[HtcdsExport, UUID]:
        """The export, recorded in the ledger under a new id."""
        now = self.clock()
        found = export(self.source, self.workflows, request, now)
        export_id = self.ledger.record(
            by=by, at=now, detail=found.report(), digest=found.digest, cases=found.cases
        )
        return found, export_id

    def recalls(self, case_id: UUID) -> list[dict[str, Any]]:
        """The exports that may hold a record of this case, oldest first."""
        return self.ledger.recalls(case_id)
