"""The meaning checks of what a workflow says about registered agencies: fields of type
`agency` (their kinds, the service they must offer, the case's region), the agreement a
referral's receiving agency needs, and steps only the agency a case was addressed to may take
(`named_agency_only`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from referral_engine.domain.agencies import KINDS
from referral_engine.workflows.graph import declared_fields, unknown
from referral_engine.workflows.model import WorkflowModel

AGENCY_KEYS = ("kinds", "provides", "serves_case_region")
"""The keys only an agency field takes."""


def agency_problems(model: WorkflowModel) -> list[str]:
    """Every problem of the file's agency fields, agreement and addressed steps, with its path."""
    steps: dict[str, dict[str, Any]] = {}
    for prefix, name, f in declared_fields(model):
        steps.setdefault(prefix, {})[name] = f
    problems: list[str] = []
    for prefix, fields in steps.items():
        for name, f in fields.items():
            problems += _field_problems(f"{prefix}.fields.{name}", f, fields)
    problems += _addressed_problems(model)
    r = model.referrals
    if r is not None and r.agreement is not None:
        agency = r.send.fields.get(r.agency_field)
        if agency is None or agency.type != "agency":
            problems.append(
                f"referrals.agreement: the receiving agency's field '{r.agency_field}' must be "
                "of type agency (a registered agency is needed to know its agreements)"
            )
    return problems


def _field_problems(path: str, f: Any, fields: Mapping[str, Any]) -> list[str]:
    if f.type != "agency":
        given = [k for k in AGENCY_KEYS if getattr(f, k)]
        return [f"{path}.{k}: only agency fields take {k}" for k in given]
    problems = unknown(f"{path}.kinds", f.kinds, KINDS, "kind of agency")
    if f.pii:
        problems.append(f"{path}.pii: an agency's id is not personal data")
    if f.provides is not None:
        service = fields.get(f.provides)
        if service is None or service.type not in ("enum", "string"):
            problems.append(
                f"{path}.provides: the step has no enum or string field '{f.provides}' naming "
                "the service"
            )
    return problems


def _addressed_problems(model: WorkflowModel) -> list[str]:
    """`named_agency_only` names a case step that names an agency (`names_agency`)."""
    naming = {t.trigger for t in model.transitions if t.names_agency}
    problems = [
        f"transitions[{i}].named_agency_only: '{t.named_agency_only}' is no case step with "
        "`names_agency`"
        for i, t in enumerate(model.transitions)
        if t.named_agency_only is not None and t.named_agency_only not in naming
    ]
    if model.referrals is not None:
        problems += [
            f"referrals.transitions[{i}].named_agency_only: only case steps answer a step "
            "addressed to an agency (a referral has `receiving_agency_only`)"
            for i, t in enumerate(model.referrals.transitions)
            if t.named_agency_only is not None
        ]
    return problems
