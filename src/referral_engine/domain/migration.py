"""Moving a case to another version of its workflow: its states mapped as the new file says."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from referral_engine.domain.errors import MigrationRefused
from referral_engine.domain.records import Referral
from referral_engine.domain.workflow import WorkflowDefinition


@dataclass(frozen=True)
class MigrationPlan:
    """Where a case lands in the new version and which of its clocks the move stops."""

    to_state: str
    previous_state: str | None
    referral_states: dict[str, str]
    """The referrals whose state is renamed, with their new state."""
    stopped: list[dict[str, Any]]


def plan(
    case_id: UUID,
    states: tuple[str, str | None],
    referrals: Mapping[str, Referral],
    clocks: tuple[Mapping[str, Mapping[str, Any]], Mapping[str, Mapping[str, Any]]],
    source: WorkflowDefinition,
    target: WorkflowDefinition,
    happened: frozenset[str] = frozenset(),
) -> MigrationPlan:
    """The move of a case in `states` (current, previous) from `source` to `target`; refused
    when a state has no counterpart. `clocks` are its running deadlines and guards; `happened`
    the names of the events in its history (read for the moves that depend on them)."""
    mapping = target.migration_from(source.version)
    renamed = dict(mapping.states) if mapping else {}
    ref_renamed = dict(mapping.referral_states) if mapping else {}
    known_refs = target.referrals.states if target.referrals else {}
    problems: list[str] = []
    for move in mapping.happened if mapping else ():
        if move.event not in happened:
            continue
        if states[0] in move.refused:
            problems.append(f"state '{states[0]}' after {move.event} is not moved: {move.source}")
        renamed = {**renamed, **move.states}
    state = _counterpart(renamed, states[0], target.states, "state", problems)
    before = states[1]
    if before is not None:
        before = _counterpart(renamed, before, target.states, "previous state", problems)
    moved = {
        rid: _counterpart(ref_renamed, r.state, known_refs, f"referral {rid} state", problems)
        for rid, r in referrals.items()
    }
    if problems:
        raise MigrationRefused(case_id, problems)
    deadlines, guards = clocks
    names = {d.name for d in target.deadlines}
    guarded = {t.trigger for t in target.transitions if t.not_before}
    stopped = [dict(d) for d in deadlines.values() if d["name"] not in names]
    stopped += [dict(g) for g in guards.values() if g["name"] not in guarded]
    return MigrationPlan(
        to_state=state,
        previous_state=before,
        referral_states={rid: s for rid, s in moved.items() if s != referrals[rid].state},
        stopped=stopped,
    )


def _counterpart(
    renamed: Mapping[str, str], state: str, known: Mapping[str, Any], what: str, problems: list[str]
) -> str:
    """The name `state` has in the new version (renamed, else the same); notes a missing one."""
    new = renamed.get(state, state)
    if new not in known:
        problems.append(f"{what} '{state}' has no counterpart in the new version")
    return new
