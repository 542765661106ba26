"""The registry's commands: each checks every value it is given (text, codes, dates, the
agencies it names), gathers every problem into one InvalidData, then records one event."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from referral_engine.domain.agencies import KINDS, LANGUAGES, SERVICE, SLUG, Agency
from referral_engine.domain.commands import Context
from referral_engine.domain.errors import (
    AgencyExists,
    AgreementConflict,
    AgreementNotFound,
    FieldProblem,
    InvalidData,
)
from referral_engine.domain.regions import CODE as REGION_CODE
from referral_engine.domain.text import text_problem

NAME_MAX = 200
TEXT_MAX = 1000
AGREEMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""An agreement's id: it is a path segment of the API (`.../agreements/{id}/end`)."""


def register(
    slug: object,
    names: object,
    kind: object,
    services: object,
    regions: object,
    ctx: Context,
    *,
    exists: bool = False,
) -> Agency:
    """Register an agency under its slug id (AgencyExists when the id is taken)."""
    problems: list[FieldProblem] = []
    clean_slug = _text(slug, "id", problems, pattern=SLUG, shape="2 to 64 a-z, 0-9 and '-'")
    fields = _details(names, kind, services, regions, problems, every=True)
    _refuse(problems)
    if exists:
        raise AgencyExists(clean_slug)
    return Agency.registered(clean_slug, **fields, **_said(ctx))


def change(
    agency: Agency,
    ctx: Context,
    *,
    names: object = None,
    kind: object = None,
    services: object = None,
    regions: object = None,
) -> None:
    """Give some of an agency's details anew (the others stay as they are)."""
    problems: list[FieldProblem] = []
    fields = _details(names, kind, services, regions, problems, every=False)
    if not problems and all(v is None for v in fields.values()):
        problems.append(FieldProblem("details", "name at least one detail to change", "required"))
    _refuse(problems)
    agency.trigger_event(Agency.DetailsChanged, **fields, **_said(ctx))


def record_agreement(
    agency: Agency,
    partner: Agency | None,
    data: Mapping[str, Any],
    ctx: Context,
) -> None:
    """Record an agreement of `agency` with a registered `partner` (None: not registered)."""
    problems: list[FieldProblem] = []
    said = "1 to 64 letters, digits, '.', '_' or '-'"
    agreement_id = _text(data.get("id"), "id", problems, pattern=AGREEMENT_ID, shape=said)
    with_agency = _text(data.get("with_agency"), "with_agency", problems)
    if with_agency and partner is None:
        problems.append(FieldProblem("with_agency", "is not a registered agency", "unknown_agency"))
    elif with_agency and with_agency == agency.slug:
        problems.append(FieldProblem("with_agency", "must be another agency", "same_agency"))
    services = _codes(data.get("services"), "services", problems, SERVICE, required=True)
    signed_on = _day(data.get("signed_on"), "signed_on", problems, required=True)
    valid_until = _day(data.get("valid_until"), "valid_until", problems, required=False)
    if signed_on and valid_until and valid_until <= signed_on:
        problems.append(FieldProblem("valid_until", "must be after signed_on", "not_after"))
    reference = _text(data.get("reference"), "reference", problems, limit=TEXT_MAX, free=True)
    _refuse(problems)
    if agreement_id in agency.agreements:
        raise AgreementConflict(agency.slug, agreement_id, "exists")
    agency.trigger_event(
        Agency.AgreementRecorded,
        agreement_id=agreement_id,
        with_agency=with_agency,
        services=services,
        signed_on=signed_on.isoformat() if signed_on else "",
        valid_until=valid_until.isoformat() if valid_until else None,
        reference=reference,
        **_said(ctx),
    )


def end_agreement(
    agency: Agency, agreement_id: str, ended_on: object, reason: object, ctx: Context
) -> None:
    """End an agreement in force (AgreementConflict when it has ended already)."""
    found = agency.agreements.get(agreement_id)
    if found is None:
        raise AgreementNotFound(agency.slug, agreement_id)
    problems: list[FieldProblem] = []
    day = _day(ended_on, "ended_on", problems, required=True)
    if day is not None and day < found.signed_on:
        problem = f"must not be before the agreement was signed ({found.signed_on.isoformat()})"
        problems.append(FieldProblem("ended_on", problem, "before_signed"))
    said = _text(reason, "reason", problems, limit=TEXT_MAX, free=True)
    _refuse(problems)
    if found.ended_on is not None:
        raise AgreementConflict(agency.slug, agreement_id, "ended")
    assert day is not None
    agency.trigger_event(
        Agency.AgreementEnded,
        agreement_id=agreement_id,
        ended_on=day.isoformat(),
        reason=said,
        **_said(ctx),
    )


def _said(ctx: Context) -> dict[str, Any]:
    return {"actor": ctx.actor.as_dict(), "occurred_at": ctx.now}


def _refuse(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidData(problems)


def _details(
    names: object,
    kind: object,
    services: object,
    regions: object,
    problems: list[FieldProblem],
    *,
    every: bool,
) -> dict[str, Any]:
    """The agency's details, checked; with `every`, each is required."""
    found: dict[str, Any] = {"names": None, "kind": None, "services": None, "regions": None}
    if names is not None or every:
        found["names"] = _names(names, problems)
    if kind is not None or every:
        if kind not in KINDS:
            problems.append(
                FieldProblem(
                    "kind", "must be one of: " + ", ".join(KINDS), "not_one_of", {"values": KINDS}
                )
            )
        found["kind"] = kind
    if services is not None or every:
        found["services"] = _codes(services, "services", problems, SERVICE, required=False)
    if regions is not None or every:
        found["regions"] = _codes(regions, "regions", problems, REGION_CODE, required=True)
    return found


def _names(value: object, problems: list[FieldProblem]) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value.get("en"):
        problems.append(FieldProblem("names.en", "is required", "required"))
        return {}
    clean: dict[str, str] = {}
    for lang, name in value.items():
        if lang not in LANGUAGES:
            problem = "is not a language of the registry (" + ", ".join(LANGUAGES) + ")"
            problems.append(FieldProblem(f"names.{lang!s:.8}", problem, "unknown_language"))
        elif name not in (None, ""):
            clean[lang] = _text(name, f"names.{lang}", problems, limit=NAME_MAX)
    return clean


def _codes(
    value: object,
    path: str,
    problems: list[FieldProblem],
    pattern: re.Pattern[str],
    *,
    required: bool,
) -> list[str]:
    """A list of codes of one shape, each once."""
    if not isinstance(value, list | tuple) or (required and not value):
        problems.append(FieldProblem(path, "must be a list of at least one code", "required"))
        return []
    clean = [_text(v, f"{path}[{i}]", problems, pattern=pattern) for i, v in enumerate(value)]
    if len(set(clean)) != len(clean):
        problems.append(FieldProblem(path, "values must not repeat", "repeated"))
    return clean


def _text(
    value: object,
    path: str,
    problems: list[FieldProblem],
    *,
    limit: int = 64,
    pattern: re.Pattern[str] | None = None,
    shape: str = "",
    free: bool = False,
) -> str:
    """A string checked by text.py, not blank, at most `limit` long, of `pattern`'s shape."""
    if not isinstance(value, str) or not value.strip():
        problems.append(FieldProblem(path, "is required", "required"))
        return ""
    if (found := text_problem(value, free_text=free)) is not None:
        problems.append(FieldProblem(path, found.message, found.code, found.params))
    elif len(value) > limit:
        problems.append(
            FieldProblem(path, f"must be at most {limit} characters", "too_long", {"limit": limit})
        )
    elif pattern is not None and not pattern.match(value):
        problems.append(FieldProblem(path, f"must be a code: {shape or pattern.pattern}", "code"))
    return value.strip() if free or pattern is None else value


def _day(value: object, path: str, problems: list[FieldProblem], *, required: bool) -> date | None:
    """A date, or its ISO form (YYYY-MM-DD)."""
    if value is None or value == "":
        if required:
            problems.append(FieldProblem(path, "is required", "required"))
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and text_problem(value) is None:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(FieldProblem(path, "must be a date (YYYY-MM-DD)", "date"))
    return None
