"""The meaning checks of a workflow's `persons:` block: each field it names is declared, personal
(`pii: true`) and of the type its role takes (a date of birth is a date, the others text)."""

from __future__ import annotations

from referral_engine.workflows.graph import declared_fields
from referral_engine.workflows.model import WorkflowModel

TEXT = frozenset({"string", "text"})


def persons_problems(model: WorkflowModel) -> list[str]:
    """Every problem of the block, each with its path."""
    p = model.persons
    if p is None:
        return []
    declared: dict[str, list[tuple[str, bool]]] = {}
    for _, name, f in declared_fields(model):
        declared.setdefault(name, []).append((f.type, f.pii))
    named = [("names", n, TEXT) for n in p.names]
    named += [("phones", n, TEXT) for n in p.phones]
    named += [("numbers", n, TEXT) for n in p.numbers]
    if p.birth_date:
        named.append(("birth_date", p.birth_date, frozenset({"date"})))
    problems: list[str] = []
    seen: set[str] = set()
    for key, name, types in named:
        path = f"persons.{key}"
        if name in seen:
            problems.append(f"{path}: '{name}' is named twice in the persons block")
        seen.add(name)
        found = declared.get(name)
        if not found:
            problems.append(f"{path}: unknown field '{name}'")
            continue
        if not all(pii for _, pii in found):
            problems.append(f"{path}: '{name}' must be personal (pii: true) wherever declared")
        wrong = sorted({t for t, _ in found if t not in types})
        if wrong:
            want = " or ".join(sorted(types))
            problems.append(f"{path}: '{name}' is {', '.join(wrong)}; it must be {want}")
    if p.phones and not p.phone_country:
        problems.append("persons.phone_country: give the country calling code of local numbers")
    return problems
