"""The smaller parts of a workflow definition (domain/workflow.py): earliest-date guards,
backdating, deadlines, derived facts, the agreement a referral needs, migrations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from referral_engine.domain.conditions import ConditionSpec


@dataclass(frozen=True)
class NotBeforeSpec:
    """An earliest-date guard: the step may be taken only `days` after the latest of `after`."""

    after: tuple[str, ...]
    days: int
    working_days: bool
    source: str


@dataclass(frozen=True)
class BackdatingSpec:
    """A step stated before it is recorded: at most `max_days` earlier (None: no limit), and
    only a role of `confirmed_by` may confirm the stated date for earliest-date guards."""

    max_days: int | None = None
    confirmed_by: frozenset[str] = frozenset({"supervisor"})


@dataclass(frozen=True)
class DeadlineSpec:
    """A clock that starts on one of some events and stops on others, due within N days."""

    name: str
    starts_on: tuple[str, ...]
    stops_on: tuple[str, ...]
    days: int
    working_days: bool
    source: str
    title: str = ""
    service_target: bool = False
    # Notices, not rules: who is told what about the clock (application/notifications.py).
    # No command, replay or read model reads them, so adding them to a version cases already
    # run under changes nothing a case does (docs/workflows.md, "Notices").
    remind_before: int | None = None
    """Tell who answers for the deadline when it is due in this many working days."""
    escalate_to: tuple[str, ...] = ()
    """Roles told (once, in the case's region) when the deadline has passed."""
    answered_on: tuple[str, ...] = ()
    """Events (of `stops_on`) that answer what the starting step asked: its taker is told."""
    months: int = 0
    """A term in calendar months (then `days` is 0): due on the same day of the month that
    many months later, or on the month's last day when it has no such day."""
    when: tuple[ConditionSpec, ...] = ()
    """Conditions on the case's data (and a referral's, for a referral's clock) as the starting
    event leaves it: the clock starts only when all hold."""
    within: str | None = None
    """The deadline whose term this one runs inside (checked when the file is loaded)."""


@dataclass(frozen=True)
class DerivedSpec:
    """A non-personal fact the engine derives when a step records its sources: by `kind`,
    `age_band` the age band (or `age` the age in whole years) of a person born on the date in
    field `born`, on the date in field `on` (or `$opened`); `country` the ISO 3166-1 code of the
    country the free text in field `born` names, looked up in `names` (domain/country_names.py:
    each name folded, to its code), `on` unused."""

    name: str
    born: str
    on: str
    kind: str = "age_band"
    names: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class AgreementSpec:
    """A referral's receiving agency needs a co-operation agreement in force for the service,
    on the day the referral is sent, with `party`: `region_state_body` (a state body serving
    the case's region) or `referrer` (the referring user's agency)."""

    party: str
    source: str


@dataclass(frozen=True)
class MigrationSpec:
    """How open cases of an earlier version move to this one: renamed states (others keep
    their name; a state with no counterpart stops the migration of its cases)."""

    from_version: int
    states: Mapping[str, str] = field(default_factory=dict)
    referral_states: Mapping[str, str] = field(default_factory=dict)
    happened: tuple[HappenedMove, ...] = ()
    """Moves that depend on the case's history, judged before `states`."""


@dataclass(frozen=True)
class HappenedMove:
    """How a case whose history holds `event` moves instead: its states renamed by `states`,
    and those in `refused` not moved at all (the dry run names them with `source`): a case
    extended once under the old version stands extended in the new one."""

    event: str
    states: Mapping[str, str] = field(default_factory=dict)
    refused: tuple[str, ...] = ()
    source: str = ""
