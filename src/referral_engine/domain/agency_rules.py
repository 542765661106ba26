"""Fields that name a registered agency, and the co-operation agreement a referral needs: the
rules, judged on what the engine read of the registry for one command (`RegistryFacts`), so
that the domain does no I/O. docs/agencies.md says why each rule is as it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from referral_engine.domain.agencies import AgencyView, valid_agreement
from referral_engine.domain.agency_errors import (
    REGION_STATE_BODY,
    AgencyUnsuitable,
    AgreementMissing,
    Names,
)
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.workflow import AgreementSpec, ReferralSpec, TransitionSpec

STATE_BODY = "state_body"


@dataclass(frozen=True)
class RegistryFacts:
    """What one command knows of the agency registry: every agency it names or may need, by id
    (None: not registered), and the state bodies serving the case's region (when an agreement
    with one is asked for)."""

    agencies: Mapping[str, AgencyView | None] = field(default_factory=dict)
    state_bodies: tuple[str, ...] = ()

    def names(self, *slugs: str) -> Names:
        """The names of those of `slugs` that are registered."""
        return {s: a.names for s in slugs if (a := self.agencies.get(s)) is not None}


def agency_fields(spec: TransitionSpec) -> list[FieldSpec]:
    """The step's fields that name a registered agency."""
    return [f for f in spec.fields if f.type == "agency"]


def unfit(
    spec: FieldSpec, agency: AgencyView | None, service: str | None, region: str
) -> str | None:
    """Why `agency` cannot be named in the field (`unknown`, `kind`, `service`, `region`), or
    None when it fits."""
    if agency is None:
        return "unknown"
    if spec.kinds and agency.kind not in spec.kinds:
        return "kind"
    if spec.provides and service and service not in agency.services:
        return "service"
    if spec.serves_case_region and region not in agency.regions:
        return "region"
    return None


def service_of(spec: FieldSpec, data: Mapping[str, Any]) -> str | None:
    """The service the agency of field `spec` must offer, as the step's data names it."""
    value = data.get(spec.provides) if spec.provides else None
    return value if isinstance(value, str) else None


def check_named(
    spec: TransitionSpec, data: Mapping[str, Any], facts: RegistryFacts, region: str
) -> None:
    """Every agency the step's (checked) data names is registered and fits its field."""
    for found in agency_fields(spec):
        slug = data.get(found.name)
        if not isinstance(slug, str):
            continue
        service = service_of(found, data)
        code = unfit(found, facts.agencies.get(slug), service, region)
        if code is not None:
            raise AgencyUnsuitable(
                found.name, slug, code, service=service or "", region=region, kinds=found.kinds
            )


def check_agreement(
    referrals: ReferralSpec,
    data: Mapping[str, Any],
    on: date,
    facts: RegistryFacts,
    context: tuple[str, str],
) -> None:
    """The referral's receiving agency has the agreement the workflow asks for, in force `on`
    for the service; `context` is the case's region and the referring user's agency."""
    rule: AgreementSpec | None = referrals.agreement
    receiving, service = data.get(referrals.agency_field), data.get(referrals.service_field)
    if rule is None or not isinstance(receiving, str) or not isinstance(service, str):
        return
    region, referrer = context
    parties = facts.state_bodies if rule.party == REGION_STATE_BODY else (referrer,)
    if receiving in parties:
        return  # a party needs no agreement with itself
    found = facts.agencies.get(receiving)
    for party in parties:
        other = facts.agencies.get(party)
        if (found is not None and valid_agreement(found, party, service, on)) or (
            other is not None and valid_agreement(other, receiving, service, on)
        ):
            return
    names = facts.names(receiving, *parties)
    raise AgreementMissing(receiving, service, on, rule.party, parties, region, names)
