"""Authoring findings of a workflow file (`workflows lint`): things that load, yet are almost
certainly mistakes. Also run on files that do not validate yet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from referral_engine.domain.workflow import PREVIOUS
from referral_engine.workflows.graph import (
    allowed_states,
    declared_fields,
    edges_of,
    reachable_from,
    sources_of,
)
from referral_engine.workflows.labels import label_findings
from referral_engine.workflows.model import WEEKDAYS, TransitionModel, WorkflowModel

REFERENCE_WORDS = frozenset({"number", "reference", "ref", "no", "id"})
"""A string field whose name ends in one of these words holds a document number or reference."""


def _unmarked_personal(model: WorkflowModel) -> list[str]:
    """Free text, and strings named like a document number or reference, can identify or
    describe the person, so they must be `pii: true` (encrypted, shown only to readers)."""
    findings: list[str] = []
    for prefix, name, f in declared_fields(model):
        path = f"{prefix}.fields.{name}"
        if f.pii:
            continue
        if f.type == "text":
            findings.append(f"{path}: free text is not marked `pii: true`")
        elif f.type == "string" and name.lower().rsplit("_", 1)[-1] in REFERENCE_WORDS:
            findings.append(f"{path}: a number or reference is not marked `pii: true`")
    return findings


def lint(model: WorkflowModel) -> list[str]:
    """Authoring findings, also on a file that does not validate: dead ends, unreachable states,
    roles that can never act, triggers shadowed by an earlier declaration, personal-looking
    fields not marked personal."""
    findings = _graph_findings("", model.transitions, model.states, model.opening.state)
    findings += _shadowed("", model.transitions, model.states)
    if model.referrals is not None:
        r = model.referrals
        findings += _graph_findings("referrals.", r.transitions, r.states, r.send.dest)
        findings += _shadowed("referrals.", r.transitions, r.states)
    findings += _idle_roles(model)
    findings += _unmarked_personal(model)
    weekend = {WEEKDAYS.index(day) for day in model.calendar.weekend}
    findings += [
        f"calendar.holidays: {day.isoformat()} is a {WEEKDAYS[day.weekday()]}, already a day off "
        "(a typo, or a substitute day missing?)"
        for day in model.calendar.holidays
        if day.weekday() in weekend
    ]
    return findings + label_findings(model)


def _idle_roles(model: WorkflowModel) -> list[str]:
    """Roles no step names, and roles whose every step starts from a state no case reaches."""
    live = [n for n, s in model.states.items() if not s.terminal]
    reached = reachable_from(model.opening.state, edges_of(model.transitions, live))
    starts: dict[str, set[str]] = {role: {"(opening)"} for role in model.opening.roles}
    acting = set(model.opening.roles)

    def note(roles: Iterable[str], sources: Iterable[str], reachable: set[str], what: str) -> None:
        for role in roles:
            starts.setdefault(role, set()).update(f"{what}{s}" for s in sources)
            acting.update([role] if set(sources) & reachable else [])

    for t in model.transitions:
        note(t.roles, sources_of(t.source, live), reached, "")
    if model.referrals is not None:
        r = model.referrals
        note(r.send.roles, allowed_states(r.allowed_in), reached, "")
        ref_live = [n for n, s in r.states.items() if not s.terminal]
        ref_reached = set()
        if reached & set(allowed_states(r.allowed_in)):
            ref_reached = reachable_from(r.send.dest, edges_of(r.transitions, ref_live))
        for t in r.transitions:
            note(t.roles, sources_of(t.source, ref_live), ref_reached, "referral ")
    return [
        f"roles.{role}: can never act ("
        + (
            "its steps start only from unreachable states: " + ", ".join(sorted(starts[role]))
            if role in starts
            else "no step names this role"
        )
        + ")"
        for role in model.roles
        if role not in acting
    ]


def _graph_findings(
    prefix: str, transitions: Sequence[TransitionModel], states: Mapping[str, Any], initial: str
) -> list[str]:
    live = [n for n, s in states.items() if not s.terminal]
    edges = edges_of(transitions, live)
    reachable = reachable_from(initial, edges) if initial in states else set()
    returns = {s for t in transitions if t.dest == PREVIOUS for s in sources_of(t.source, live)}
    terminal = {n for n, s in states.items() if s.terminal}
    findings: list[str] = []
    for name, state in states.items():
        path = f"{prefix}states.{name}"
        if name not in reachable:
            findings.append(f"{path}: unreachable from '{initial}'")
        if state.terminal or name in returns:
            continue
        if not edges.get(name, set()) - {name}:
            findings.append(f"{path}: dead end: not terminal, yet no step leads out of it")
        elif terminal and not reachable_from(name, edges) & (terminal | returns):
            # a `$previous` step may lead anywhere, so reaching one counts as a way out
            findings.append(f"{path}: dead end: no terminal state can be reached from it")
    return findings


def _shadowed(
    prefix: str, transitions: Sequence[TransitionModel], states: Mapping[str, Any]
) -> list[str]:
    """A trigger declared again for a state it already leaves from never fires there: the
    first declaration wins."""
    live = [n for n, s in states.items() if not s.terminal]
    first: dict[tuple[str, str], int] = {}
    findings: list[str] = []
    for i, t in enumerate(transitions):
        for s in sources_of(t.source, live):
            earlier = first.setdefault((t.trigger, s), i)
            if earlier != i:
                findings.append(
                    f"{prefix}transitions[{i}]: trigger '{t.trigger}' from '{s}' is shadowed by "
                    f"{prefix}transitions[{earlier}]"
                )
    return findings
