"""The agency registry: any signed-in user reads it; admins register and change agencies and
record and end their co-operation agreements (each such request audited)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from referral_engine.adapters.security import User
from referral_engine.application.agencies import AgencyEntry
from referral_engine.domain.agencies import AgencyView, Agreement
from referral_engine.entrypoints.api.deps import AnyUser, passing
from referral_engine.entrypoints.api.models import Request as Body
from referral_engine.entrypoints.http import gates
from referral_engine.entrypoints.http.audit import audited, mark_of
from referral_engine.entrypoints.http.deps import RuntimeDep
from referral_engine.entrypoints.http.problems import problem_responses
from referral_engine.entrypoints.http.text import FreeText, Name

router = APIRouter(prefix="/api/agencies", tags=["agencies"])
Manager = Annotated[User, Depends(passing(gates.AGENCIES))]
Kind = Literal["state_body", "police_unit", "ngo", "service_provider", "international_organisation"]
Names = dict[Literal["en", "uk"], Annotated[Name, Field(max_length=200)]]
Codes = Annotated[list[Annotated[Name, Field(max_length=64)]], Field(max_length=200)]
PROBLEMS = problem_responses(
    {
        400: "The body is not UTF-8 text or not JSON",
        401: "No valid bearer token",
        403: "Not an admin (for a change)",
        404: "No such agency or agreement",
        409: "The agency or agreement exists already, or the agreement has ended",
        422: "Invalid input",
        503: "The database or the audit log is unavailable",
    }
)


class AgencyIn(Body):
    id: Name = Field(description="The agency's id: 2-64 of a-z, 0-9 and '-' (shelter-kyiv)")
    names: Names = Field(description="Its name per language; English is required")
    kind: Kind
    services: Codes = Field(default_factory=list, description="Service codes (legal_aid)")
    regions: Codes = Field(description="ISO 3166-2 codes of the regions it serves")


class AgencyChange(Body):
    names: Names | None = None
    kind: Kind | None = None
    services: Codes | None = None
    regions: Codes | None = None


class AgreementIn(Body):
    id: Name = Field(description="The agreement's id: 1-64 letters, digits, '.', '_' or '-'")
    with_agency: Name = Field(description="The other (registered) agency's id")
    services: Codes = Field(description="The services it covers")
    signed_on: date
    valid_until: date | None = Field(default=None, description="After signed_on; none: open")
    reference: FreeText = Field(max_length=1000, description="Its reference (number, order)")


class AgreementEndIn(Body):
    ended_on: date
    reason: FreeText = Field(max_length=1000)


class AgreementOut(BaseModel):
    id: str
    with_agency: str
    services: list[str]
    signed_on: date
    valid_until: date | None
    reference: str
    ended_on: date | None
    end_reason: str | None

    @classmethod
    def of(cls, found: Agreement) -> AgreementOut:
        return cls(**{**vars(found), "services": list(found.services)})


class AgencyOut(BaseModel):
    id: str
    version: int
    names: dict[str, str]
    kind: Kind
    services: list[str]
    regions: list[str]
    agreements: list[AgreementOut]
    registered_at: datetime
    changed_at: datetime

    @classmethod
    def of(cls, found: AgencyView) -> AgencyOut:
        return cls(
            id=found.slug,
            version=found.version,
            names=dict(found.names),
            kind=found.kind,  # type: ignore[arg-type]
            services=list(found.services),
            regions=list(found.regions),
            agreements=[AgreementOut.of(a) for a in found.agreements.values()],
            registered_at=found.registered_at,
            changed_at=found.changed_at,
        )


class AgencyEntryOut(BaseModel):
    version: int
    event: Literal["registered", "details_changed", "agreement_recorded", "agreement_ended"]
    occurred_at: datetime
    user: str
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: AgencyEntry) -> AgencyEntryOut:
        return cls(
            version=entry.version,
            event=entry.kind,  # type: ignore[arg-type]
            occurred_at=entry.occurred_at,
            user=entry.user_id,
            details=dict(entry.details),
        )


@router.get("", response_model=list[AgencyOut], responses=PROBLEMS)
def list_agencies(
    user: AnyUser,
    runtime: RuntimeDep,
    kind: Kind | None = None,
    service: Annotated[str | None, Query(max_length=64)] = None,
    region: Annotated[str | None, Query(max_length=10)] = None,
) -> list[AgencyOut]:
    """Registered agencies by id, of a kind, offering a service, serving a region."""
    found = runtime.agencies.listed(kind=kind, service=service, region=region)
    return [AgencyOut.of(a) for a in found]


@router.get("/{agency}", response_model=AgencyOut, responses=PROBLEMS)
def get_agency(
    agency: str,
    user: AnyUser,
    runtime: RuntimeDep,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> AgencyOut:
    """One agency as it is now, or as it was at `version`."""
    return AgencyOut.of(runtime.agencies.get(agency, version))


@router.get("/{agency}/history", response_model=list[AgencyEntryOut], responses=PROBLEMS)
def agency_history(agency: str, user: AnyUser, runtime: RuntimeDep) -> list[AgencyEntryOut]:
    """The agency's events, oldest first (read it as of a version with `?version=`)."""
    return [AgencyEntryOut.of(e) for e in runtime.agencies.history(agency)]


@router.post(
    "",
    response_model=AgencyOut,
    status_code=201,
    responses=PROBLEMS,
    dependencies=[audited("agency.register")],
)
def register(
    body: AgencyIn, user: Manager, runtime: RuntimeDep, request: Request, response: Response
) -> AgencyOut:
    """Register an agency."""
    mark_of(request).detail = {"agency": body.id}
    found = runtime.agencies.register(
        body.id, body.names, body.kind, body.services, body.regions, actor=user.actor
    )
    response.headers["Location"] = f"/api/agencies/{found.slug}"
    return AgencyOut.of(found)


@router.patch(
    "/{agency}",
    response_model=AgencyOut,
    responses=PROBLEMS,
    dependencies=[audited("agency.change")],
)
def change(
    agency: str, body: AgencyChange, user: Manager, runtime: RuntimeDep, request: Request
) -> AgencyOut:
    """Give some of an agency's details anew."""
    mark_of(request).detail = {"agency": agency, "changed": sorted(body.model_fields_set)}
    details = body.model_dump(exclude_unset=True)
    return AgencyOut.of(runtime.agencies.change(agency, actor=user.actor, **details))


@router.post(
    "/{agency}/agreements",
    response_model=AgencyOut,
    status_code=201,
    responses=PROBLEMS,
    dependencies=[audited("agency.agreement.record")],
)
def record_agreement(
    agency: str, body: AgreementIn, user: Manager, runtime: RuntimeDep, request: Request
) -> AgencyOut:
    """Record a co-operation agreement with another registered agency."""
    mark_of(request).detail = {"agency": agency, "agreement": body.id}
    data = body.model_dump()
    return AgencyOut.of(runtime.agencies.record_agreement(agency, data, actor=user.actor))


@router.post(
    "/{agency}/agreements/{agreement_id}/end",
    response_model=AgencyOut,
    responses=PROBLEMS,
    dependencies=[audited("agency.agreement.end")],
)
def end_agreement(
    agency: str,
    agreement_id: str,
    body: AgreementEndIn,
    user: Manager,
    runtime: RuntimeDep,
    request: Request,
) -> AgencyOut:
    """End an agreement in force."""
    mark_of(request).detail = {"agency": agency, "agreement": agreement_id}
    found = runtime.agencies.end_agreement(
        agency, agreement_id, body.ended_on, body.reason, actor=user.actor
    )
    return AgencyOut.of(found)
