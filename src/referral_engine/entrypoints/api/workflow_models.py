"""The workflow document's response bodies (GET /api/workflows/{id}): its states, steps,
fields, deadlines, referrals and regions, as a client draws forms and diagrams from them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from referral_engine.domain.conditions import ConditionSpec
from referral_engine.domain.workflow import TransitionSpec, WorkflowDefinition
from referral_engine.entrypoints.api.models import FieldOut


class ConditionOut(BaseModel):
    """The step is legal only while the case's recorded `field` equals `equals`, holds one of
    `one_of`, holds a value other than `not_equals`, or (`age_below`) is the date of birth of a
    person younger than that on the day of the step; one of these is given."""

    field: str
    equals: bool | int | str | None = None
    one_of: list[bool | int | str] = []
    not_equals: bool | int | str | None = None
    age_below: int | None = None


class ValueConditionOut(BaseModel):
    """A value of the step's enum field recorded only while the conditions hold on the case."""

    field: str
    value: str
    when: list[ConditionOut]


class TransitionOut(BaseModel):
    trigger: str
    event: str
    title: str
    sources: list[str]
    dest: str | None
    roles: list[str]
    requires: list[str]
    sets: list[str]
    clears: list[str]
    receiving_agency_only: bool
    when: list[ConditionOut]
    fields: list[FieldOut]
    values_when: list[ValueConditionOut] = []
    until_allowed: str | None = None
    """A step whose earliest date closes this one's window: allowed only until then."""
    basis: str = ""
    """Where the step's rule comes from (the section of the law), if the file says."""

    @classmethod
    def of(cls, t: TransitionSpec) -> TransitionOut:
        return cls(
            trigger=t.trigger,
            event=t.event,
            title=t.title,
            sources=list(t.sources),
            dest=t.dest,
            roles=sorted(t.roles),
            requires=list(t.requires),
            sets=list(t.sets),
            clears=list(t.clears),
            receiving_agency_only=t.receiving_agency_only,
            when=[_condition(c) for c in t.when],
            fields=[FieldOut.model_validate(f) for f in t.fields],
            values_when=[
                ValueConditionOut(
                    field=v.field, value=v.value, when=[_condition(c) for c in v.conditions]
                )
                for v in t.value_conditions
            ],
            until_allowed=t.until_allowed,
            basis=t.basis,
        )


def _condition(c: ConditionSpec) -> ConditionOut:
    return ConditionOut.model_validate(c.facts())


class StateOut(BaseModel):
    name: str
    title: str
    terminal: bool


class DeadlineSpecOut(BaseModel):
    name: str
    title: str
    starts_on: list[str]
    stops_on: list[str]
    days: int
    months: int = Field(default=0, description="a term in calendar months (then `days` is 0)")
    working_days: bool
    service_target: bool
    source: str
    remind_before: int | None = None
    """Working days before the due date when who answers for it is reminded."""
    escalate_to: list[str] = []
    """Roles told once, in the case's region, when the deadline has passed."""
    answered_on: list[str] = []
    """Events that answer what the starting step asked (its taker is told)."""


class ReferralsOut(BaseModel):
    allowed_in: list[str]
    send: TransitionOut
    states: list[StateOut]
    transitions: list[TransitionOut]


class WorkflowSummary(BaseModel):
    id: str
    version: int
    title: str
    source: str


class RegionOut(BaseModel):
    code: str = Field(description="ISO 3166-2 code, what a case's `region` holds")
    names: dict[str, str] = Field(description="language: the region's name there")


class WorkflowOut(WorkflowSummary):
    description: str
    roles: dict[str, str]
    states: list[StateOut]
    opening: TransitionOut
    transitions: list[TransitionOut]
    referrals: ReferralsOut | None
    deadlines: list[DeadlineSpecOut]
    regions: list[RegionOut] = Field(
        description="Where a case may be opened (empty: any well-formed ISO 3166-2 code)"
    )
    time_zone: str = Field(
        description="The IANA time zone whose day is `today` for the date fields' rules"
    )
    mermaid: str

    @classmethod
    def of(cls, w: WorkflowDefinition, mermaid: str) -> WorkflowOut:
        opening = TransitionSpec(
            trigger="open",
            event=w.opening.event,
            sources=(),
            dest=w.opening.state,
            roles=w.opening.roles,
            fields=w.opening.fields,
            title=w.opening.title,
            sets=w.opening.sets,
        )
        referrals = None
        if w.referrals is not None:
            referrals = ReferralsOut(
                allowed_in=sorted(w.referrals.allowed_in),
                send=TransitionOut.of(w.referrals.send),
                states=[StateOut(**vars(s)) for s in w.referrals.states.values()],
                transitions=[TransitionOut.of(t) for t in w.referrals.transitions],
            )
        return cls(
            id=w.id,
            version=w.version,
            title=w.title,
            source=w.source,
            description=w.description,
            roles=dict(w.roles),
            states=[StateOut(**vars(s)) for s in w.states.values()],
            opening=TransitionOut.of(opening),
            transitions=[TransitionOut.of(t) for t in w.transitions],
            referrals=referrals,
            deadlines=[DeadlineSpecOut(**vars(d)) for d in w.deadlines],
            regions=[RegionOut(code=r.code, names=dict(r.names)) for r in w.regions.values()],
            time_zone=str(w.calendar.time_zone),
            mermaid=mermaid,
        )
