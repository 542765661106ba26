"""The structure of a workflow file as pydantic models: unknown keys refused, every key typed.

The meaning checks (checks.py), the labels (labels.py) and the build into a domain definition
(build.py) all read these models; this module imports none of them, so the imports form a tree.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from referral_engine.domain.fields import FIELD_TYPES
from referral_engine.domain.regions import CODE as REGION_CODE
from referral_engine.workflows.model_parts import AllowedInModel as AllowedInModel
from referral_engine.workflows.model_parts import ConditionModel as ConditionModel
from referral_engine.workflows.model_parts import DeadlineLabels as DeadlineLabels
from referral_engine.workflows.model_parts import DerivedModel as DerivedModel
from referral_engine.workflows.model_parts import HappenedModel as HappenedModel
from referral_engine.workflows.model_parts import LanguageLabels as LanguageLabels
from referral_engine.workflows.model_parts import LimitModel as LimitModel
from referral_engine.workflows.model_parts import ReferralLabels as ReferralLabels
from referral_engine.workflows.model_parts import StepLabels as StepLabels
from referral_engine.workflows.model_parts import WithheldModel as WithheldModel
from referral_engine.workflows.model_parts import one_or_many

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LANGUAGE = r"^[a-z]{2,3}$"
"""A language code of the `labels:` block."""


class _Model(BaseModel):  # as model_parts's, whose models this file's nest
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldModel(_Model):
    type: str
    required: bool = False
    pii: bool = False
    title: str = ""
    values: list[str] = []
    min: int | None = None
    max: int | None = None
    readers: list[str] = []
    kinds: list[str] = Field(default=[], description="agency field: the kinds it takes")
    provides: str | None = Field(
        default=None, description="agency field: the step's field naming the service it offers"
    )
    serves_case_region: bool = Field(
        default=False, description="agency field: the agency serves the case's region"
    )
    source: str = Field(
        default="", description="where the field's rule (its values, its being required) comes from"
    )
    values_when: dict[str, list[ConditionModel]] = Field(
        default={}, description="enum value: the conditions on the case under which it is taken"
    )

    @field_validator("values_when", mode="before")
    @classmethod
    def _conditions(cls, value: object) -> object:
        """Each value takes one condition or a list of them (all must hold)."""
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, dict) else v for k, v in value.items()}
        return value

    not_after: list[str] = Field(
        default=[], description="date field: today, opened or date fields it is not later than"
    )
    not_before: list[str] = Field(
        default=[], description="date field: today, opened or date fields it is not earlier than"
    )
    child_flag: str | None = Field(
        default=None,
        description="date of birth: the yes/no field saying the person is a child (under 18 on "
        "the day the case was opened)",
    )

    @field_validator("not_after", "not_before", mode="before")
    @classmethod
    def _bounds(cls, value: object) -> object:
        """A bound is one word or field, or a list of them (all must hold)."""
        listed = [value] if isinstance(value, str) else value
        if not isinstance(listed, list) or not all(isinstance(v, str) and v for v in listed):
            raise ValueError("give today, opened or a date field's name, or a list of them")
        return listed

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in FIELD_TYPES:
            raise ValueError(f"unknown field type '{value}'; known: " + ", ".join(FIELD_TYPES))
        return value


class StateModel(_Model):
    title: str = ""
    terminal: bool = False


class OpeningModel(_Model):
    event: str
    state: str
    roles: list[str] = Field(min_length=1)
    title: str = ""
    sets: list[str] = []
    fields: dict[str, FieldModel] = {}


class NotBeforeModel(_Model):
    after: list[str] = Field(min_length=1)
    days: int = Field(gt=0, le=3660)
    calendar: Literal["calendar", "working"] = "calendar"
    source: str = Field(min_length=1)


class BackdatingModel(_Model):
    """How far before its recording a step may be stated, and who confirms such a date."""

    max_days: int | None = Field(default=None, gt=0, le=3660)
    confirmed_by: list[str] = ["supervisor"]


class TransfersModel(_Model):
    """Transfers of a case to another region: who requests them (in the case's region), who
    answers them (in the receiving one), and the coded reasons for asking and refusing."""

    requested_by: list[str] = Field(min_length=1)
    answered_by: list[str] = Field(min_length=1)
    reasons: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(min_length=1)
    refusal_reasons: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(min_length=1)


class MigrationModel(_Model):
    from_version: int = Field(ge=1)
    states: dict[str, str] = {}
    referral_states: dict[str, str] = {}
    happened: list[HappenedModel] = []


class TransitionModel(_Model):
    trigger: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    event: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$")
    source: list[str] | str = Field(min_length=1)
    dest: str | None = None
    roles: list[str] = Field(min_length=1)
    title: str = ""
    requires: list[str] = []
    sets: list[str] = []
    clears: list[str] = []
    receiving_agency_only: bool = False
    not_before: NotBeforeModel | None = None
    backdating: BackdatingModel | None = None
    when: list[ConditionModel] = []
    names_agency: str | None = None
    named_agency_only: str | None = Field(
        default=None, description="a trigger naming an agency: only that agency takes this step"
    )
    limits: list[LimitModel] = []
    until_allowed: str | None = Field(
        default=None, description="a case trigger: this step is allowed until that one is"
    )
    basis: str = Field(default="", description="where the step's rule comes from (the law)")
    refused_in: dict[str, str] = Field(
        default={}, description="state: the rule (its source) that refuses the step there"
    )
    repeats: bool = Field(
        default=False, description="records again what its `sets` say is recorded: a change"
    )
    ends: bool = Field(
        default=False, description="ends or undoes something: set apart, confirmed first"
    )
    fields: dict[str, FieldModel] = {}

    _when = field_validator("when", mode="before")(one_or_many)


class SendModel(_Model):
    trigger: str = Field(default="send_referral", pattern=r"^[a-z][a-z0-9_]*$")
    event: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$")
    dest: str
    roles: list[str] = Field(min_length=1)
    title: str = ""
    requires: list[str] = []
    fields: dict[str, FieldModel] = {}


class AgreementModel(_Model):
    """The co-operation agreement a referral's receiving agency needs for the service."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    party: Literal["region_state_body", "referrer"] = Field(alias="with")
    source: str = Field(min_length=1)


class ReferralsModel(_Model):
    allowed_in: list[str | AllowedInModel] = Field(min_length=1)
    active_in: list[str] | None = None
    agency_field: str = "agency"
    service_field: str = "service"
    shared_fields: list[str] = []
    agreement: AgreementModel | None = None
    send: SendModel
    states: dict[str, StateModel] = Field(min_length=1)
    transitions: list[TransitionModel] = []


class DeadlineModel(_Model):
    name: str
    title: str = ""
    starts_on: list[str] = Field(min_length=1)
    stops_on: list[str] = Field(min_length=1)
    days: int | None = Field(default=None, gt=0, le=3660)
    months: int | None = Field(default=None, gt=0, le=120, description="calendar months")
    calendar: Literal["calendar", "working"] = "calendar"
    source: str = Field(min_length=1)
    service_target: bool = False
    remind_before: int | None = Field(default=None, gt=0, le=365)
    """Notices (never rules of a case): working days before the due date to remind."""
    escalate_to: list[str] = []
    answered_on: list[str] = []
    when: list[ConditionModel] = []
    within: str | None = Field(default=None, description="the deadline this one runs inside")

    _when = field_validator("when", mode="before")(one_or_many)

    @model_validator(mode="after")
    def _one_term(self) -> DeadlineModel:
        if (self.days is None) == (self.months is None):
            raise ValueError("give its term in days or in months (one of the two)")
        if self.months is not None and self.calendar == "working":
            raise ValueError("a term in months runs in calendar months, not working days")
        return self


class CalendarModel(_Model):
    weekend: list[Literal[WEEKDAYS]] = ["saturday", "sunday"]  # type: ignore[valid-type]
    holidays: list[date] = []
    time_zone: str = Field(
        default="UTC", description="the IANA time zone whose day is the workflow's today"
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone '{value}'; give an IANA name such as Europe/Kyiv"
            ) from None
        return value


class PersonalDataModel(_Model):
    readers: list[str] = Field(min_length=1)


class ReportFieldModel(_Model):
    """A report field read from a workflow field whose values are mapped to the vocabulary's."""

    field: str
    values: dict[str, str] = {}


class ReportingModel(_Model):
    milestones: dict[str, list[str]] = {}
    fields: dict[str, str | ReportFieldModel] = Field(
        default={}, description="report field: the workflow field, or {field, values}"
    )


class HtcdsFieldModel(_Model):
    """An HTCDS field read from a workflow field, its values mapped to the standard's."""

    field: str
    values: dict[str, str] = {}


class HtcdsModel(_Model):
    """How a case maps to the HTCDS (docs/workflows.md, "HTCDS export")."""

    fields: dict[str, str | HtcdsFieldModel] = Field(
        default={}, description="HTCDS field: the workflow field, or {field, values}"
    )
    steps: dict[str, dict[str, str]] = Field(
        default={}, description="HTCDS field: {milestone, event or $opened: value}, the latest"
    )
    states: dict[str, dict[str, str]] = Field(
        default={}, description="HTCDS field: {state or $other: value}"
    )
    dates: dict[str, str] = Field(
        default={}, description="HTCDS date field: the milestone, event or $opened dating it"
    )
    constants: dict[str, str] = {}


class PersonsModel(_Model):
    """The personal fields that say who the person is, for search and duplicate alerts
    (docs/workflows.md, "Persons"): names, the date of birth, phones, numbers."""

    names: list[str] = []
    birth_date: str | None = None
    phones: list[str] = []
    numbers: list[str] = Field(default=[], description="document, application, certificate")
    phone_country: str = Field(default="", pattern=r"^([1-9][0-9]{0,2})?$")


class RegionModel(_Model):
    """One region of the registry: its ISO 3166-2 code and its name in each language."""

    code: str = Field(pattern=REGION_CODE.pattern)
    names: dict[Annotated[str, Field(pattern=LANGUAGE)], str] = Field(min_length=1)


class PaperModel(_Model):
    """A printable paper (docs/workflows.md, "Papers"): its title and template in each of its
    languages (a template path relative to the workflow file's folder), the fields it prints,
    and the events after (and until) which it may be printed."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=60)
    title: dict[Annotated[str, Field(pattern=LANGUAGE)], str] = Field(min_length=1)
    template: dict[Annotated[str, Field(pattern=LANGUAGE)], str] = Field(min_length=1)
    fields: list[str] = []
    after: list[str] = []
    until: list[str] = []


class WorkflowModel(_Model):
    """The file format. See docs/workflows.md for the meaning of each key."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: str
    description: str = ""
    source: str = Field(min_length=1)
    roles: dict[str, str] = Field(min_length=1)
    states: dict[str, StateModel] = Field(min_length=1)
    opening: OpeningModel
    transitions: list[TransitionModel] = Field(min_length=1)
    referrals: ReferralsModel | None = None
    deadlines: list[DeadlineModel] = []
    calendar: CalendarModel = CalendarModel()
    reporting: ReportingModel = ReportingModel()
    derived: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], DerivedModel] = {}
    personal_data: PersonalDataModel | None = None
    access: dict[str, list[str]] = Field(
        default={}, description="role: how its users reach cases (region, acted, named, referred)"
    )
    migration: MigrationModel | None = None
    backdating: BackdatingModel | None = None
    transfers: TransfersModel | None = None
    labels: dict[Annotated[str, Field(pattern=LANGUAGE)], LanguageLabels] = {}
    regions: list[RegionModel] = []
    persons: PersonsModel | None = None
    papers: list[PaperModel] = []
    htcds: HtcdsModel | None = None
    withheld: list[WithheldModel] = []

    @field_validator("access", mode="before")
    @classmethod
    def _reach_or_reaches(cls, value: object) -> object:
        """A role takes one reach or a list of them."""
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value
