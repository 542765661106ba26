"""The structure of a workflow file as pydantic models: unknown keys refused, every key typed.

The meaning checks (checks.py), the labels (labels.py) and the build into a domain definition
(build.py) all read these models; this module imports none of them, so the imports form a tree.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

from referral_engine.domain.fields import FIELD_TYPES
from referral_engine.domain.regions import CODE as REGION_CODE

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LANGUAGE = r"^[a-z]{2,3}$"
"""A language code of the `labels:` block."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepLabels(_Model):
    title: str = ""
    fields: dict[str, str] = {}


class DeadlineLabels(_Model):
    title: str = ""
    source: str = ""


class ReferralLabels(_Model):
    send: StepLabels = StepLabels()
    states: dict[str, str] = {}
    transitions: dict[str, StepLabels] = {}


class LanguageLabels(_Model):
    """One language's words for a workflow (every key optional)."""

    title: str = ""
    description: str = ""
    source: str = ""
    roles: dict[str, str] = {}
    states: dict[str, str] = {}
    opening: StepLabels = StepLabels()
    transitions: dict[str, StepLabels] = {}
    referrals: ReferralLabels = ReferralLabels()
    deadlines: dict[str, DeadlineLabels] = {}
    values: dict[str, str] = Field(default={}, description="enum value: its label")


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


class ConditionModel(_Model):
    field: str = Field(min_length=1)
    equals: StrictBool | StrictInt | StrictStr


class MigrationModel(_Model):
    from_version: int = Field(ge=1)
    states: dict[str, str] = {}
    referral_states: dict[str, str] = {}


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
    fields: dict[str, FieldModel] = {}

    @field_validator("when", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        """`when:` takes one condition or a list of them (all must hold)."""
        return [value] if isinstance(value, dict) else value


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
    allowed_in: list[str] = Field(min_length=1)
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
    days: int = Field(gt=0, le=3660)
    calendar: Literal["calendar", "working"] = "calendar"
    source: str = Field(min_length=1)
    service_target: bool = False
    remind_before: int | None = Field(default=None, gt=0, le=365)
    """Notices (never rules of a case): working days before the due date to remind."""
    escalate_to: list[str] = []
    answered_on: list[str] = []


class CalendarModel(_Model):
    weekend: list[Literal[WEEKDAYS]] = ["saturday", "sunday"]  # type: ignore[valid-type]
    holidays: list[date] = []


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


class DerivedModel(_Model):
    """A fact derived when a step records its sources: an age band (domain/reporting.py)."""

    age_band_of: str = Field(description="the date-of-birth field")
    at: str = Field(description="the date field the age is taken on, or $opened")


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

    @field_validator("access", mode="before")
    @classmethod
    def _reach_or_reaches(cls, value: object) -> object:
        """A role takes one reach or a list of them."""
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value
