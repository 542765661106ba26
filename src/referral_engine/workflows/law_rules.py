"""The meaning checks of the rules that bind a case beyond one step's conditions: the fields
withheld from a case in some states (`withheld`), the states a step is refused in by a rule of
law (`refused_in`), and a migration's moves that depend on the case's history
(`migration.happened`)."""

from __future__ import annotations

from referral_engine.workflows.graph import declared_fields, sources_of, unknown
from referral_engine.workflows.model import WorkflowModel


def law_rule_problems(model: WorkflowModel) -> list[str]:
    """Each rule names declared fields, states and flags; a step is not refused in a state it
    may be taken from; a history-dependent move leads to states of this version."""
    problems: list[str] = []
    fields = {name for _, name, _ in declared_fields(model)}
    flags = set(model.opening.sets) | {f for t in model.transitions for f in t.sets}
    for i, rule in enumerate(model.withheld):
        path = f"withheld[{i}]"
        problems += unknown(f"{path}.fields", rule.fields, fields, "field")
        problems += unknown(f"{path}.states", rule.states, model.states, "state")
        problems += unknown(f"{path}.unless", rule.unless, flags, "flag set by a step")
    live = [n for n, s in model.states.items() if not s.terminal]
    for i, t in enumerate(model.transitions):
        path = f"transitions[{i}].refused_in"
        problems += unknown(path, t.refused_in, model.states, "state")
        sources = set(sources_of(t.source, live))
        problems += [
            f"{path}.{state}: the step may be taken from this state" for state in t.refused_in
            if state in sources
        ]  # fmt: skip
    if model.migration is not None:
        for i, move in enumerate(model.migration.happened):
            path = f"migration.happened[{i}].states"
            problems += unknown(path, move.states.values(), model.states, "state")
    return problems
