"""The meaning checks of a workflow file, run after its structure has been validated.

Each problem names the path in the file (`transitions[3].dest`) and what is wrong with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from referral_engine.domain.workflow import PREVIOUS
from referral_engine.workflows.access import access_problems, transfer_problems
from referral_engine.workflows.agencies import agency_problems
from referral_engine.workflows.dates import date_rule_problems
from referral_engine.workflows.entries import region_problems
from referral_engine.workflows.graph import (
    allowed_states,
    declared_fields,
    edges_of,
    reachable_from,
    sources_of,
    unknown,
)
from referral_engine.workflows.htcds import htcds_problems
from referral_engine.workflows.labels import label_problems
from referral_engine.workflows.law_rules import law_rule_problems
from referral_engine.workflows.model import TransitionModel, WorkflowModel
from referral_engine.workflows.notices import notice_problems
from referral_engine.workflows.persons import persons_problems
from referral_engine.workflows.reporting import derived_problems, reporting_problems
from referral_engine.workflows.rules import (
    condition_problems,
    limit_problems,
    repeated_trigger_problems,
    term_problems,
)
from referral_engine.workflows.step_kinds import step_kind_problems


def semantic_problems(model: WorkflowModel) -> list[str]:
    """Every meaning problem of a structurally valid workflow, in file order."""
    problems: list[str] = []
    roles = set(model.roles)
    states = model.states
    problems += unknown("opening.state", [model.opening.state], states, "state")
    problems += unknown("opening.roles", model.opening.roles, roles, "role")
    problems += _fields_problems("opening.fields", model.opening.fields)
    problems += _machine_problems("", model.transitions, states, roles, model.opening.state)
    flags_set = set(model.opening.sets) | {f for t in model.transitions for f in t.sets}
    if model.referrals is not None:
        r = model.referrals
        problems += unknown("referrals.allowed_in", allowed_states(r.allowed_in), states, "state")
        problems += unknown("referrals.active_in", r.active_in or [], states, "state")
        problems += unknown("referrals.send.roles", r.send.roles, roles, "role")
        problems += unknown("referrals.send.dest", [r.send.dest], r.states, "referral state")
        problems += _fields_problems("referrals.send.fields", r.send.fields)
        for key in (r.agency_field, r.service_field):
            field = r.send.fields.get(key)
            if field is None or not field.required:
                problems.append(f"referrals.send.fields: needs a required field '{key}'")
        problems += _machine_problems("referrals.", r.transitions, r.states, roles, r.send.dest)
        flags_set |= {f for t in r.transitions for f in t.sets}
        problems += _requires_problems("referrals.send", r.send.requires, flags_set)
        for i, t in enumerate(r.transitions):
            problems += _requires_problems(f"referrals.transitions[{i}]", t.requires, flags_set)
    for i, t in enumerate(model.transitions):
        problems += _requires_problems(f"transitions[{i}]", t.requires, flags_set)
    problems += _deadline_problems(model)
    problems += notice_problems(model)
    problems += _not_before_problems(model)
    problems += condition_problems(model)
    problems += limit_problems(model)
    problems += term_problems(model)
    problems += repeated_trigger_problems(model)
    problems += reporting_problems(model, _all_events(model))
    problems += derived_problems(model)
    problems += date_rule_problems(model)
    problems += _personal_data_problems(model)
    problems += _backdating_problems(model)
    problems += access_problems(model)
    problems += transfer_problems(model)
    problems += agency_problems(model)
    problems += label_problems(model)
    problems += region_problems(model)
    problems += persons_problems(model)
    problems += step_kind_problems(model)
    problems += htcds_problems(model, _all_events(model))
    problems += law_rule_problems(model)
    return problems


def _backdating_problems(model: WorkflowModel) -> list[str]:
    """Who confirms a stated date must be a workflow role, a supervisor or an admin."""
    roles = {*model.roles, "supervisor", "admin"}
    rules = [("backdating", model.backdating)]
    rules += [
        (f"transitions[{i}].backdating", t.backdating) for i, t in enumerate(model.transitions)
    ]
    if model.referrals is not None:
        rules += [
            (f"referrals.transitions[{i}].backdating", t.backdating)
            for i, t in enumerate(model.referrals.transitions)
        ]
    return [
        problem
        for path, rule in rules
        if rule is not None
        for problem in unknown(f"{path}.confirmed_by", rule.confirmed_by, roles, "role")
    ]


def _personal_data_problems(model: WorkflowModel) -> list[str]:
    """Readers of personal data must be workflow roles or supervisors, on personal fields only."""
    readers = {*model.roles, "supervisor"}
    problems: list[str] = []
    if model.personal_data is not None:
        path = "personal_data.readers"
        problems += unknown(path, model.personal_data.readers, readers, "role")
    for prefix, name, f in declared_fields(model):
        path = f"{prefix}.fields.{name}.readers"
        if f.readers and not f.pii:
            problems.append(f"{path}: only personal (pii: true) fields have readers")
        problems += unknown(path, f.readers, readers, "role")
    return problems


def _machine_problems(
    prefix: str,
    transitions: Sequence[TransitionModel],
    states: Mapping[str, Any],
    roles: set[str],
    initial: str,
) -> list[str]:
    problems: list[str] = []
    live = [n for n, s in states.items() if not s.terminal]
    pairs: Counter[tuple[str, str]] = Counter()
    for i, t in enumerate(transitions):
        path = f"{prefix}transitions[{i}]"
        sources = sources_of(t.source, live)
        if t.dest == PREVIOUS and prefix:
            problems.append(f"{path}.dest: {PREVIOUS} is only supported in case transitions")
        problems += unknown(f"{path}.source", sources, states, "state")
        if t.dest not in (None, PREVIOUS):
            problems += unknown(f"{path}.dest", [t.dest], states, "state")
        problems += unknown(f"{path}.roles", t.roles, roles, "role")
        problems += _fields_problems(f"{path}.fields", t.fields)
        for s in sources:
            if s in states and states[s].terminal:
                problems.append(f"{path}.source: terminal state '{s}' cannot have a way out")
            pairs[(t.trigger, s)] += 1
    for (trigger, state), count in pairs.items():
        if count > 1:
            problems.append(
                f"{prefix}transitions: trigger '{trigger}' is declared {count} times from "
                f"state '{state}': a mistake, only the first declaration would ever fire there "
                "(a trigger is declared again only from other states)"
            )
    if problems:
        return problems
    edges = edges_of(transitions, live)
    reachable = reachable_from(initial, edges)
    returns = {s for t in transitions if t.dest == PREVIOUS for s in sources_of(t.source, live)}
    for name, state in states.items():
        if name not in reachable:
            problems.append(f"{prefix}states.{name}: unreachable from '{initial}'")
        if not state.terminal and not (edges.get(name, set()) - {name}) and name not in returns:
            problems.append(
                f"{prefix}states.{name}: not terminal, yet no step leads out of it "
                "(mark it `terminal: true` or add a transition)"
            )
    return problems


def _fields_problems(path: str, fields: Mapping[str, Any]) -> list[str]:
    problems = []
    for name, f in fields.items():
        if f.type in ("enum", "enum_list") and not f.values:
            problems.append(f"{path}.{name}.values: an {f.type} field needs a list of values")
        if f.type not in ("enum", "enum_list") and f.values:
            problems.append(f"{path}.{name}.values: only enum fields take values")
    return problems


def _requires_problems(path: str, requires: Iterable[str], flags_set: set[str]) -> list[str]:
    return [
        f"{path}.requires: no step ever sets '{flag}', so this step could never be taken"
        for flag in requires
        if flag not in flags_set
    ]


def _deadline_problems(model: WorkflowModel) -> list[str]:
    events = _all_events(model)
    problems: list[str] = []
    names: Counter[str] = Counter()
    for i, d in enumerate(model.deadlines):
        names[d.name] += 1
        for key, listed in (("starts_on", d.starts_on), ("stops_on", d.stops_on)):
            problems += unknown(f"deadlines[{i}].{key}", listed, events, "event")
    problems += [f"deadlines: name '{n}' is used {c} times" for n, c in names.items() if c > 1]
    return problems


def _not_before_problems(model: WorkflowModel) -> list[str]:
    """Earliest dates count from known events, on case steps only, and a window closes at one;
    migrations name real states."""
    events = _all_events(model)
    guarded = {t.trigger for t in model.transitions if t.not_before is not None}
    problems: list[str] = []
    for i, t in enumerate(model.transitions):
        if t.not_before is not None:
            path = f"transitions[{i}].not_before.after"
            problems += unknown(path, t.not_before.after, events, "event")
        if t.until_allowed is not None and t.until_allowed not in guarded:
            problems.append(
                f"transitions[{i}].until_allowed: no case step '{t.until_allowed}' has an "
                "earliest date (not_before) to close this step's window"
            )
    if model.referrals is not None:
        for i, t in enumerate(model.referrals.transitions):
            for key, what in (("not_before", "an earliest date"), ("until_allowed", "a window")):
                if getattr(t, key) is not None:
                    path = f"referrals.transitions[{i}].{key}"
                    problems.append(f"{path}: only case steps may have {what}")
    m = model.migration
    if m is not None:
        if m.from_version >= model.version:
            problems.append(f"migration.from_version: must be below this version ({model.version})")
        problems += unknown("migration.states", m.states.values(), model.states, "state")
        ref_states = model.referrals.states if model.referrals else {}
        path = "migration.referral_states"
        problems += unknown(path, m.referral_states.values(), ref_states, "referral state")
    return problems


def _all_events(model: WorkflowModel) -> set[str]:
    events = {model.opening.event, *(t.event for t in model.transitions)}
    if model.referrals is not None:
        events.add(model.referrals.send.event)
        events.update(t.event for t in model.referrals.transitions)
    return events
