"""Request and response bodies. Requests refuse unknown fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt
from starlette.responses import Response as Answer

from referral_engine.adapters.audit import AuditEntry
from referral_engine.domain.case import REASON_MAX
from referral_engine.domain.views import AllowedStep, CaseView, HistoryEntry, StepResult
from referral_engine.domain.workflow import ReferralSpec
from referral_engine.entrypoints.api.steps import StepLink, link
from referral_engine.entrypoints.http.text import Data, FreeText, Name, unchecked_fields

Values = dict[str, Any]
"""Data as a response shows it."""
Version = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
"""A case version as a JSON integer: "3", true and 3.0 are refused."""


class Request(BaseModel):
    """A request body: unknown fields refused; every string a Name or FreeText, every number
    strict, refused when a model is declared otherwise (entrypoints/http/text.py)."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if problems := unchecked_fields(cls):
            raise TypeError("; ".join(problems))


class CaseCreate(Request):
    workflow: Name = Field(min_length=1, max_length=100)
    region: Name = Field(min_length=1, max_length=100)
    data: Data = {}
    occurred_at: AwareDatetime | None = None


BackdatingReason = Annotated[FreeText, Field(min_length=1, max_length=REASON_MAX)]
BACKDATING = (
    "Why `occurred_at`, an earlier day than today, is the true date: earliest dates (e.g. a "
    "recovery period) then count from it. Only the workflow's confirming roles (supervisors by "
    "default) may give it; without it they count from today, until another confirming user "
    "confirms the date at `POST /api/cases/{id}/stated-dates`."
)


class StepCreate(Request):
    trigger: Name = Field(min_length=1, max_length=100)
    data: Data = {}
    expected_version: Version
    occurred_at: AwareDatetime | None = None
    backdating_reason: BackdatingReason | None = Field(default=None, description=BACKDATING)


class StatedDateConfirm(Request):
    """A supervisor's confirmation of the stated date of another person's backdated step."""

    version: Version = Field(description="The case version the backdated step recorded")
    reason: FreeText = Field(
        min_length=1,
        max_length=REASON_MAX,
        description="Why the stated date is the true one (e.g. the paper file it comes from). "
        f"Kept in clear in the event log: no personal data. At most {REASON_MAX} characters.",
    )
    expected_version: Version


class ErasureCreate(Request):
    reason: FreeText = Field(
        min_length=1,
        max_length=REASON_MAX,
        description="The lawful ground and the request's reference, e.g. 'GDPR Art. 17, request "
        "2026-041'. Must not contain personal data (no names, no document numbers): it is kept "
        f"in clear in the event log and the audit log, and erasure cannot remove it. At most "
        f"{REASON_MAX} characters.",
    )


class ReferralCreate(Request):
    agency: Name = Field(min_length=1, max_length=200)
    service: Name = Field(min_length=1, max_length=100)
    data: Data = {}
    expected_version: Version
    occurred_at: AwareDatetime | None = None
    backdating_reason: BackdatingReason | None = Field(default=None, description=BACKDATING)


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    def answer(self, status: int = 200) -> Answer:
        """This body as the route's answer, serialised once: a model returned from a plain
        route is validated again by FastAPI, in a worker thread, before it is serialised."""
        return Answer(self.model_dump_json(by_alias=True), status, media_type="application/json")


class FieldOut(Response):
    name: str
    type: str
    required: bool
    pii: bool
    title: str
    values: list[str]
    minimum: int | None
    maximum: int | None
    kinds: list[str] = Field(
        default=[], description="An agency field: the kinds of agency it takes (empty: any)"
    )
    provides: str | None = Field(
        default=None, description="An agency field: the step's field naming the service offered"
    )
    serves_case_region: bool = Field(
        default=False, description="An agency field: the agency serves the case's region"
    )
    not_after: list[str] = Field(
        default=[],
        description="A date field: `today` (the step's day), `opened` (the case's) or date "
        "fields whose value it may not be later than (422 otherwise)",
    )
    not_before: list[str] = Field(
        default=[],
        description="A date field: `today`, `opened` or date fields (its own name: its value "
        "recorded before) whose value it may not be earlier than (422 otherwise)",
    )
    child_flag: str | None = Field(
        default=None,
        description="A date of birth: the yes/no field saying the person is a child; the age "
        "on the day the case was opened must agree (under 18 exactly when a child)",
    )


class StepBodyOut(BaseModel):
    """The JSON body the step's `href` takes: `trigger` as its `trigger` member (null: the
    route takes none), the case's `version` as `expected_version`, optionally `occurred_at`,
    and each declared field at its place (`field_paths`, e.g. `data.reason` or `agency`)."""

    trigger: str | None
    field_paths: dict[str, str] = Field(
        description="Each declared field (see the step's `fields`) and where in the body it goes"
    )


class AllowedStepOut(Response):
    trigger: str
    event: str
    title: str
    referral_id: str | None
    required_fields: list[str]
    fields: list[FieldOut]
    kind: Literal["next", "change", "end"] = Field(
        description="How a page offers it: a next step, a change of what is recorded "
        "(`repeats`, already recorded), or one that ends or undoes something (`ends`)"
    )
    method: str = Field(description="The HTTP method that takes the step")
    href: str = Field(description="The path that takes the step")
    body: StepBodyOut

    @classmethod
    def of(cls, step: AllowedStep, how: StepLink) -> AllowedStepOut:
        return cls(
            trigger=step.trigger,
            event=step.event,
            title=step.title,
            referral_id=step.referral_id,
            required_fields=list(step.required_fields),
            fields=[FieldOut.model_validate(f) for f in step.fields],
            kind=step.kind,
            method=how.method,
            href=how.href,
            body=StepBodyOut(trigger=how.trigger, field_paths=how.field_paths),
        )


class DeadlineOut(Response):
    name: str
    referral_id: str | None
    started_on: date
    due_on: date
    service_target: bool
    overdue: bool
    days_left: int


class NotYetAllowedOut(Response):
    """A step held back by an earliest-date guard (e.g. no Conclusive Grounds decision before
    day 30 of the recovery period): legal from `earliest_on`."""

    trigger: str
    earliest_on: date
    after: str
    started_on: date


class ReferralOut(Response):
    id: str
    agency: str
    service: str
    state: str
    data: Values
    steps: list[Values]


class WorkflowRef(BaseModel):
    id: str
    version: int


class TransferOut(Response):
    """A transfer to another region waiting for the receiving region's answer."""

    to_region: str
    reason: str
    requested_by: str
    requested_role: str
    requested_at: datetime
    version: int


class CaseOut(Response):
    id: UUID
    workflow: WorkflowRef
    region: str
    state: str
    version: int
    data: Values
    flags: list[str]
    referrals: list[ReferralOut]
    deadlines: list[DeadlineOut]
    allowed_steps: list[AllowedStepOut]
    not_yet_allowed: list[NotYetAllowedOut]
    recorded_at: datetime
    assigned_to: str | None = Field(default=None, description="The user the case is assigned to")
    transfer: TransferOut | None = Field(
        default=None, description="A transfer to another region waiting for an answer"
    )

    @classmethod
    def of(cls, view: CaseView, referrals: ReferralSpec | None) -> CaseOut:
        """The case; `referrals` (its workflow's) tells where each allowed step is taken."""
        return cls(
            id=view.id,
            workflow=WorkflowRef(id=view.workflow_id, version=view.workflow_version),
            region=view.region,
            state=view.state,
            version=view.version,
            data=view.data,
            flags=list(view.flags),
            referrals=[ReferralOut.model_validate(r) for r in view.referrals],
            deadlines=[DeadlineOut.model_validate(d) for d in view.deadlines],
            allowed_steps=[
                AllowedStepOut.of(s, link(view.id, s, referrals)) for s in view.allowed_steps
            ],
            not_yet_allowed=[NotYetAllowedOut.model_validate(w) for w in view.not_yet_allowed],
            assigned_to=view.assigned_to,
            transfer=TransferOut.model_validate(view.transfer) if view.transfer else None,
            recorded_at=view.recorded_at,
        )


class PossibleDuplicateOut(BaseModel):
    region: str = Field(description="Where the other case lies")
    case_id: UUID | None = Field(
        description="The other case, only where the caller reaches it (else null)"
    )


class CaseOpened(CaseOut):
    possible_duplicates: list[PossibleDuplicateOut] = Field(
        default_factory=list,
        description="Cases anywhere whose person may be this one (same date of birth, a name "
        "alike); their regions' supervisors are alerted",
    )
    duplicate_check: Literal["done", "pending", "not_run"] = Field(
        default="not_run",
        description="`pending`: the persons index is being built, the check runs later; "
        "`not_run`: no name or date of birth recorded",
    )

    @classmethod
    def of_checked(cls, case: CaseOut, checked: Any) -> CaseOpened:
        """The opened case with what its duplicate check found (`Checked` or None)."""
        found = [] if checked is None else checked.found
        state: Literal["done", "pending", "not_run"] = "not_run"
        if checked is not None:
            state = "pending" if checked.pending else "done"
        return cls(
            **case.model_dump(),
            possible_duplicates=[
                PossibleDuplicateOut(region=s.region, case_id=s.case_id) for s in found
            ],
            duplicate_check=state,
        )


class StepOut(Response):
    case_id: UUID
    version: int
    state: str
    event: str
    referral_id: str | None
    replayed: bool

    @classmethod
    def of(cls, result: StepResult) -> StepOut:
        return cls.model_validate(result)


class ActorOut(BaseModel):
    user_id: str
    role: str
    agency: str


class HistoryEntryOut(Response):
    version: int
    event: str
    trigger: str | None
    referral_id: str | None
    from_state: str | None
    to_state: str
    data: Values
    actor: ActorOut
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: str
    causation_id: str | None
    addressee: str | None = Field(
        default=None,
        description="The agency the step was addressed to (a referral's receiving agency, the "
        "police unit asked, the agency an answer goes back to); the sender is the actor's agency",
    )

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryOut:
        return cls.model_validate(entry)


class Problem(BaseModel):
    """An RFC 9457 problem document; extra members depend on the `type`."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str


class Health(BaseModel):
    status: str
    database: str


class QueueItem(BaseModel):
    case_id: UUID
    region: str | None
    workflow_id: str | None
    workflow_version: int | None
    state: str | None
    assigned_agency: str | None
    assigned_to: str | None = None
    transfer_to: str | None = None
    transfer_reason: str | None = None
    transfer_asked_on: date | None = None
    last_step: str | None
    last_step_on: date | None
    opened_on: date | None
    next_deadline: date | None
    overdue: bool


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: UUID | None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: int | None
    """The cursor of the next (older) page; None on the last page."""
