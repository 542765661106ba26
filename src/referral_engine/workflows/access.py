"""The meaning checks of a workflow's need-to-know declarations: `access:` (how each role
reaches cases), a referral block's `shared_fields`, a transition's `names_agency`, and who
requests and answers transfers between regions (`transfers:`)."""

from __future__ import annotations

from referral_engine.domain.access import NAMED, REACHES, REFERRED
from referral_engine.workflows.graph import unknown
from referral_engine.workflows.model import WorkflowModel


def access_problems(model: WorkflowModel) -> list[str]:
    """Every problem of the file's need-to-know declarations, each with its path."""
    problems = _names_agency_problems(model)
    problems += _shared_fields_problems(model)
    if not model.access:
        return problems
    roles = {*model.roles, "supervisor"}
    problems += unknown("access", model.access, roles, "role")
    naming = any(t.names_agency for t in model.transitions)
    for role, reaches in model.access.items():
        path = f"access.{role}"
        if not reaches:
            problems.append(f"{path}: give at least one reach; known: " + ", ".join(REACHES))
        problems += [
            f"{path}: unknown reach '{r}'; known: " + ", ".join(REACHES)
            for r in reaches
            if r not in REACHES
        ]
        if REFERRED in reaches and model.referrals is None:
            problems.append(f"{path}: '{REFERRED}' needs a referrals block")
        if NAMED in reaches and not naming:
            problems.append(f"{path}: '{NAMED}' needs a transition with `names_agency`")
    problems += [
        f"access: role '{role}' has no reach (list it, e.g. `{role}: region`)"
        for role in model.roles
        if role not in model.access
    ]
    return problems


def transfer_problems(model: WorkflowModel) -> list[str]:
    """`transfers:` names workflow roles (or supervisors), and each reason once."""
    t = model.transfers
    if t is None:
        return []
    roles = {*model.roles, "supervisor"}
    problems = unknown("transfers.requested_by", t.requested_by, roles, "role")
    problems += unknown("transfers.answered_by", t.answered_by, roles, "role")
    for key, reasons in (("reasons", t.reasons), ("refusal_reasons", t.refusal_reasons)):
        problems += [
            f"transfers.{key}: '{r}' is listed twice" for r in dict.fromkeys(reasons)
            if reasons.count(r) > 1
        ]  # fmt: skip
    return problems


def _names_agency_problems(model: WorkflowModel) -> list[str]:
    """`names_agency` names a required, non-personal text or agency field of its own step."""
    problems: list[str] = []
    for i, t in enumerate(model.transitions):
        if t.names_agency is None:
            continue
        path = f"transitions[{i}].names_agency"
        field = t.fields.get(t.names_agency)
        if field is None:
            problems.append(f"{path}: the step has no field '{t.names_agency}'")
        elif field.type not in ("string", "agency") or field.pii or not field.required:
            problems.append(
                f"{path}: '{t.names_agency}' must be a required, non-personal string or agency"
            )
    return problems


def _shared_fields_problems(model: WorkflowModel) -> list[str]:
    """The fields shared with a referral are fields the case records (opening or case steps)."""
    if model.referrals is None:
        return []
    case_fields = {*model.opening.fields, *(f for t in model.transitions for f in t.fields)}
    return [
        f"referrals.shared_fields[{i}]: no case step records a field '{name}'"
        for i, name in enumerate(model.referrals.shared_fields)
        if name not in case_fields
    ]
