"""What a read model's handlers see and produce: pure data, no SQL, no personal data.

A handler receives one `Event` (personal fields already removed; only the blind index's keyed
hashes and sealed values of the fields that identify the person, in `persons`) and records row
changes on a `Changes` batch. The projection engine folds a whole batch of events in memory,
then writes the folded rows in bulk together with its tracking position.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Literal, NamedTuple
from uuid import UUID

Op = Literal["set", "add", "least", "greatest", "first"]
NO_RENAMES: Mapping[str, str] = MappingProxyType({})


class PersonValue(NamedTuple):
    """One recorded value that says who a case's person is, as the blind index keeps it: the
    keyed hashes of its search terms (adapters/blind_index.py) and the value as stored, sealed
    with the case's key (opened only to rank and show a search's results)."""

    terms: frozenset[bytes]
    sealed: str


NO_PERSONS: Mapping[str, PersonValue] = MappingProxyType({})


class PairLink(NamedTuple):
    """What an event about a pair of cases says (domain/person_links.py): which event
    (`PossibleDuplicateFound`, `PersonLinked`, `DuplicateDismissed`, `PersonUnlinked`), the
    other case and its region, and the reason chosen (a code; empty for an alert)."""

    event: str
    other_case: UUID
    other_region: str
    reason: str


class Event(NamedTuple):
    """One recorded case event as read models see it (a named tuple: a rebuild builds millions,
    and a tuple is built several times faster than a frozen dataclass)."""

    position: int
    case_id: UUID
    version: int
    name: str
    trigger: str | None
    referral_id: str | None
    from_state: str | None
    to_state: str
    region: str
    workflow_id: str
    workflow_version: int
    occurred_on: date
    recorded_at: datetime
    actor_role: str
    actor_agency: str
    milestones: frozenset[str]
    report: Mapping[str, Any]
    """Reporting fields (never personal) the workflow maps, e.g. `assistance_type`."""
    agency: str | None
    """The receiving agency, on the event that sends a referral; on a case step, the agency
    it sends the case to (its transition's `names_agency`, e.g. the police unit asked)."""
    service: str | None
    deadlines_started: Sequence[Mapping[str, Any]]
    deadlines_stopped: Sequence[Mapping[str, Any]]
    referral_states: Mapping[str, str] = NO_RENAMES
    """On a migration: the referrals whose state the new version renames, with their new state
    (the case's own state is `from_state` -> `to_state`)."""
    persons: Mapping[str, PersonValue] = NO_PERSONS
    """The values the event records of the workflow's `persons:` fields, by field, blind: only
    where the decoder holds the search key and the case's key is not destroyed."""
    detail: Mapping[str, Any] = NO_RENAMES
    """On a transfer (TransferRequested, -Accepted, -Refused, -Withdrawn): `from_region`,
    `to_region` and the coded `reason`; on an assignment (CaseAssigned, CaseUnassigned): the
    `user`. Never personal (a transfer's note stays sealed in the log)."""
    link: PairLink | None = None
    """Set on the events about a pair of cases (a possible duplicate, a link, ...), which only
    read models declaring `LINKS = True` see; their state fields are empty."""

    @property
    def opened(self) -> bool:
        return self.from_state is None and self.referral_id is None

    @property
    def month(self) -> date:
        return self.occurred_on.replace(day=1)


class Pending:
    """The folded change of one row: replaced (deleted first), deleted, or merged columns."""

    __slots__ = ("columns", "delete", "key", "replace")

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key
        self.columns: dict[str, tuple[Op, Any]] = {}
        self.delete = False
        self.replace = False

    def __repr__(self) -> str:
        return (
            f"Pending({self.key!r}, {self.columns!r}, delete={self.delete}, replace={self.replace})"
        )


class Changes:
    """Row changes folded in memory: later changes to the same row merge with earlier ones.

    Written for speed (a rebuild folds millions of events): no per-call allocation beyond the
    row's own entries."""

    def __init__(self) -> None:
        self._tables: dict[str, tuple[tuple[str, ...], dict[tuple[Any, ...], Pending]]] = {}

    def upsert(
        self,
        table: str,
        key: Mapping[str, Any],
        *,
        set: Mapping[str, Any] | None = None,
        add: Mapping[str, int] | None = None,
        least: Mapping[str, Any] | None = None,
        greatest: Mapping[str, Any] | None = None,
        first: Mapping[str, Any] | None = None,
    ) -> None:
        """Create or update one row: set columns, add to counters, keep the least, greatest or
        first value seen."""
        pending = self._row(table, key)
        if pending.delete:
            pending.delete, pending.replace, pending.columns = False, True, {}
        columns = pending.columns
        if set:
            for column, value in set.items():
                columns[column] = ("set", value)  # a later value always wins
        if add:
            _fold(columns, "add", add)
        if least:
            _fold(columns, "least", least)
        if greatest:
            _fold(columns, "greatest", greatest)
        if first:
            for column, value in first.items():
                if column not in columns:  # an earlier change of the column always wins
                    columns[column] = ("first", value)

    def delete(self, table: str, key: Mapping[str, Any]) -> None:
        """Delete one row (a later upsert of the same key starts it afresh)."""
        pending = self._row(table, key)
        pending.delete, pending.replace, pending.columns = True, False, {}

    def tables(self) -> Iterator[tuple[str, tuple[str, ...], list[Pending]]]:
        for table, (key_columns, rows) in self._tables.items():
            yield table, key_columns, list(rows.values())

    def __len__(self) -> int:
        return sum(len(rows) for _, rows in self._tables.values())

    def _row(self, table: str, key: Mapping[str, Any]) -> Pending:
        found = self._tables.get(table)
        if found is None:
            found = self._tables[table] = (tuple(key), {})
        rows = found[1]
        values = tuple(key.values())
        pending = rows.get(values)
        if pending is None:
            if len(values) != len(found[0]):
                raise ValueError(f"{table}: key columns {tuple(key)} differ from {found[0]}")
            pending = rows[values] = Pending(values)
        return pending


def _fold(columns: dict[str, tuple[Op, Any]], op: Op, values: Mapping[str, Any]) -> None:
    for column, value in values.items():
        old = columns.get(column)
        columns[column] = (op, value) if old is None else _merge(old, op, value)


def _merge(old: tuple[Op, Any] | None, op: Op, value: Any) -> tuple[Op, Any]:
    """Fold a new change of one column into the pending one (the batch is in event order)."""
    if op == "set" or old is None:
        return (op, value)
    old_op, old_value = old
    if value is None or op == "first":
        return old
    if old_value is None:
        return ("set", value) if old_op == "set" else (op, value)
    if op == "add":
        return (old_op, old_value + value) if old_op in ("set", "add") else ("add", value)
    pick = min if op == "least" else max
    if old_op in ("set", op):
        return (old_op, pick(old_value, value))
    return (op, value)
