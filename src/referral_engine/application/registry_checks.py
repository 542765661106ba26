"""The agency registry as case commands and forms need it: what a command's data names, read
for the domain to judge (domain/agency_rules.py), the agencies that fit a field (the pages'
picker, a refusal's candidates, the demo's choices)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from referral_engine.application.ports import AgencyDirectory
from referral_engine.domain.agencies import AgencyView
from referral_engine.domain.agency_errors import REFERRER, AgencyUnsuitable
from referral_engine.domain.agency_rules import (
    STATE_BODY,
    RegistryFacts,
    agency_fields,
    service_of,
    unfit,
)
from referral_engine.domain.errors import AgencyNotFound
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.workflow import AgreementSpec, TransitionSpec


class NoAgencies:
    """A registry with no agency in it (an engine wired without one)."""

    def get(self, slug: str, version: int | None = None) -> AgencyView:
        raise AgencyNotFound(slug)

    def listed(
        self, *, kind: str | None = None, service: str | None = None, region: str | None = None
    ) -> list[AgencyView]:
        return []

    def close_matches(self, slug: str, n: int = 3) -> list[str]:
        return []


def facts_for(
    directory: AgencyDirectory,
    spec: TransitionSpec | None,
    data: Mapping[str, Any],
    region: str,
    agreement: tuple[AgreementSpec | None, str] = (None, ""),
) -> RegistryFacts:
    """What the registry says of the agencies a step's data names, and of the parties of the
    agreement it may need (`agreement`: the workflow's rule and the referring user's agency).
    A step naming no agency leaves the registry unread."""
    rule, referrer = agreement
    fields = agency_fields(spec) if spec is not None else []
    if not fields:
        return RegistryFacts()
    everyone = {a.slug: a for a in directory.listed()}
    named = [v for f in fields if isinstance(v := data.get(f.name), str)]
    bodies: tuple[str, ...] = ()
    if rule is not None and rule.party == REFERRER:
        named.append(referrer)
    elif rule is not None:
        bodies = tuple(
            a.slug for a in everyone.values() if a.kind == STATE_BODY and region in a.regions
        )
    return RegistryFacts({s: everyone.get(s) for s in (*named, *bodies)}, bodies)


def fitting(
    directory: AgencyDirectory, spec: FieldSpec, region: str, service: str | None = None
) -> list[AgencyView]:
    """The registered agencies the field may name on a case of `region` (offering `service`,
    when the field asks for one), by id."""
    return [a for a in directory.listed() if unfit(spec, a, service, region) is None]


def with_candidates(
    directory: AgencyDirectory,
    refused: AgencyUnsuitable,
    spec: TransitionSpec,
    data: Mapping[str, Any],
) -> AgencyUnsuitable:
    """The refusal, naming the agencies that fit its field (those close to the id typed first)
    and the registered ids that look like it."""
    field = next(f for f in spec.fields if f.name == refused.field)
    fits = fitting(directory, field, refused.case_region, service_of(field, data))
    close = directory.close_matches(refused.agency)
    first = sorted(fits, key=lambda a: (a.slug not in close, _place(close, a.slug), a.slug))
    named = {a.slug: a.names for a in fits}
    for slug in close:
        if slug not in named:
            named[slug] = directory.get(slug).names
    return refused.with_candidates([a.slug for a in first], close, named)


def _place(ids: Sequence[str], slug: str) -> int:
    return ids.index(slug) if slug in ids else 0
