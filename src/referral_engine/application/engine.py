"""The application: commands and queries on cases, each a few lines over the domain."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import reduce
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from referral_engine.application.ports import CaseStore, paused_gc
from referral_engine.domain import steps
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor, Context
from referral_engine.domain.errors import (
    CaseNotFound,
    DomainError,
    FieldProblem,
    InvalidData,
    MigrationRefused,
    RegionNotAllowed,
    VersionConflict,
)
from referral_engine.domain.markers import erase
from referral_engine.domain.records import StepOutcome
from referral_engine.domain.regions import check_region
from referral_engine.domain.steps import open_fingerprint
from referral_engine.domain.views import CaseView, HistoryEntry, MigrationReport, StepResult
from referral_engine.domain.workflow import WorkflowDefinition
from referral_engine.workflows.loader import WorkflowRegistry

IDEMPOTENT_OPEN = uuid5(NAMESPACE_URL, "urn:referral-engine:open-case")

Clock = Callable[[], datetime]
Scope = frozenset[str] | None
"""The regions a caller may see; None means every region."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CaseHistory:
    """A case's history with where the case lies and the workflow version it runs under."""

    region: str
    workflow: WorkflowDefinition
    entries: list[HistoryEntry]


class Engine:
    """Open cases, take steps, refer; read a case now, at a version, as of a time, its history."""

    def __init__(self, store: CaseStore, workflows: WorkflowRegistry, clock: Clock = utc_now):
        self.store = store
        self.workflows = workflows
        self.clock = clock

    # -- commands -------------------------------------------------------------------------------

    def open_case(
        self,
        workflow_id: str,
        region: str,
        data: Mapping[str, object],
        *,
        actor: Actor,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
        scope: Scope = None,
    ) -> StepResult:
        """Open a case under the newest version of a workflow with its opening event."""
        region = check_region(region, self.workflows.get(workflow_id).regions)
        if scope is not None and region not in scope:
            raise RegionNotAllowed(region)
        ctx = self._context(actor, occurred_at, idempotency_key)
        case_id = uuid5(IDEMPOTENT_OPEN, str(ctx.key())) if ctx.key() else None
        if case_id is not None and case_id in self.store.repository:
            return self._first_open(case_id, workflow_id, region, data, ctx)
        case = steps.open_case(self.workflows.get(workflow_id), region, data, ctx, case_id)
        try:
            self.store.save(case)
        except IntegrityError:
            assert case_id is not None  # a fresh random id cannot collide
            return self._first_open(case_id, workflow_id, region, data, ctx)
        return StepResult.of(case.id, case.last_outcome())

    def take_step(
        self,
        case_id: UUID,
        trigger: str,
        data: Mapping[str, object],
        *,
        actor: Actor,
        expected_version: int,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
        scope: Scope = None,
    ) -> StepResult:
        """Fire one workflow trigger on a case."""
        ctx = self._context(actor, occurred_at, idempotency_key)
        return self._command(
            case_id,
            ctx,
            scope,
            lambda c, w: steps.take_step(c, w, trigger, data, ctx, expected_version),
        )

    def send_referral(
        self,
        case_id: UUID,
        data: Mapping[str, object],
        *,
        actor: Actor,
        expected_version: int,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
        scope: Scope = None,
    ) -> StepResult:
        """Refer the person to an agency for a service (data names the agency and service)."""
        ctx = self._context(actor, occurred_at, idempotency_key)
        return self._command(
            case_id,
            ctx,
            scope,
            lambda c, w: steps.send_referral(c, w, data, ctx, expected_version),
        )

    def take_referral_step(
        self,
        case_id: UUID,
        referral_id: str,
        trigger: str,
        data: Mapping[str, object],
        *,
        actor: Actor,
        expected_version: int,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
        scope: Scope = None,
    ) -> StepResult:
        """Fire a trigger on one referral: accept, reject, revoke, deliver assistance, complete."""
        ctx = self._context(actor, occurred_at, idempotency_key)
        return self._command(
            case_id,
            ctx,
            scope,
            lambda c, w: steps.take_referral_step(
                c, w, referral_id, trigger, data, ctx, expected_version
            ),
        )

    def erase_personal_data(
        self, case_id: UUID, reason: str, *, actor: Actor, scope: Scope = None
    ) -> StepResult:
        """Erase the case's personal data on a lawful request: record the erasure, then destroy
        the case key. The stream, its states and its statistics stay. Repeating it is harmless."""
        ctx = self._context(actor, None, None)
        for _ in range(5):  # a step landing meanwhile only means trying again
            case = self._get(case_id, scope)
            replayed = case.erased
            if not replayed:
                steps.erase_personal_data(case, self._workflow(case), reason, ctx)
                try:
                    self.store.save(case)
                except IntegrityError:
                    continue
            self.store.keys.destroy(case_id)
            erasure = "PersonalDataErased"
            outcome = replace(case.last_outcome(), version=case.version, event=erasure)
            return StepResult.of(case.id, replace(outcome, replayed=replayed))
        raise VersionConflict(case.version, self._get(case_id).version)

    def migrate_cases(
        self,
        workflow_id: str,
        from_version: int,
        to_version: int,
        *,
        actor: Actor,
        dry_run: bool = False,
        scope: Scope = None,
    ) -> MigrationReport:
        """Move every open case of one workflow version (in `scope`'s regions) to another through
        a recorded event; cases whose state has no counterpart are refused and listed (a dry run
        writes nothing)."""
        source = self.workflows.get(workflow_id, from_version)
        target = self.workflows.get(workflow_id, to_version)
        moved: list[UUID] = []
        refused: list[tuple[UUID, str]] = []
        for case_id in self._case_ids():
            try:
                if self._migrate(case_id, source, target, actor, dry_run, scope):
                    moved.append(case_id)
            except MigrationRefused as exc:
                refused.append((case_id, "; ".join(exc.problems)))
        return MigrationReport(
            workflow_id, from_version, to_version, dry_run, tuple(moved), tuple(refused)
        )

    # -- queries --------------------------------------------------------------------------------

    def case(self, case_id: UUID, *, reader: Actor | None = None, scope: Scope = None) -> CaseView:
        """The case now, with the steps `reader` may take next."""
        return self._view(self._get(case_id, scope), reader)

    def case_at_version(
        self, case_id: UUID, version: int, *, reader: Actor | None = None, scope: Scope = None
    ) -> CaseView:
        """The case as it was right after event number `version`."""
        events = self._events(case_id, scope)
        if not 1 <= version <= len(events):
            problem = f"must be between 1 and {len(events)}, the case's current version"
            raise InvalidData([FieldProblem("version", problem)])
        case = _project(events[:version])
        return self._view(case, reader, today=case.modified_on)

    def case_as_of(
        self, case_id: UUID, as_of: datetime, *, reader: Actor | None = None, scope: Scope = None
    ) -> CaseView:
        """The case as the system knew it at `as_of` (by recording time)."""
        if as_of.tzinfo is None:
            raise InvalidData([FieldProblem("as_of", "must include a time zone")])
        every = self._events(case_id, scope)
        events = [e for e in every if e.timestamp <= as_of]
        if not events:
            detail = f"case {case_id} did not exist yet at {as_of.isoformat()}"
            raise CaseNotFound(case_id, detail, region=every[0].region)
        return self._view(_project(events), reader, today=as_of)

    def history(self, case_id: UUID, *, scope: Scope = None) -> list[HistoryEntry]:
        """Every event of the case: who did what, when it happened and when it was recorded."""
        return self.case_history(case_id, scope=scope).entries

    def case_history(self, case_id: UUID, *, scope: Scope = None) -> CaseHistory:
        """The case's history, region and workflow version, from one read of its events."""
        events = self._events(case_id, scope)
        case = _project(events)
        entries: list[HistoryEntry] = []
        for event in events:
            entries.append(HistoryEntry.of(event, entries[-1].to_state if entries else None))
        erasure = next((e for e in events if isinstance(e, Case.PersonalDataErased)), None)
        if erasure is not None:  # erased everywhere, even where a key was still cached
            personal = dict.fromkeys(erasure.fields, frozenset[str]())
            entries = [replace(e, data=erase(e.data, personal)) for e in entries]
        return CaseHistory(case.region, self._workflow(case), entries)

    def workflow_of(self, case_id: UUID, *, scope: Scope = None) -> WorkflowDefinition:
        """The workflow version the case runs under."""
        return self._workflow(self._get(case_id, scope))

    # -- plumbing -------------------------------------------------------------------------------

    def _context(
        self, actor: Actor, occurred_at: datetime | None, idempotency_key: str | None
    ) -> Context:
        correlation = str(uuid4())
        return Context(actor, self.clock(), occurred_at, correlation, None, idempotency_key)

    def _command(
        self,
        case_id: UUID,
        ctx: Context,
        scope: Scope,
        decide: Callable[[Case, WorkflowDefinition], StepOutcome],
    ) -> StepResult:
        case = self._get(case_id, scope)
        try:
            outcome = decide(case, self._workflow(case))
        except DomainError as exc:
            exc.region = case.region
            raise
        if outcome.replayed:
            return StepResult.of(case.id, outcome)
        try:
            self.store.save(case)
        except IntegrityError:
            # Someone else wrote this version first: a true retry returns the first answer.
            current = self._get(case_id)
            key = ctx.key()
            if key is not None and key in current.idempotency:
                return StepResult.of(case_id, decide(current, self._workflow(current)))
            raise VersionConflict(outcome.version - 1, current.version) from None
        return StepResult.of(case.id, outcome)

    def _migrate(
        self,
        case_id: UUID,
        source: WorkflowDefinition,
        target: WorkflowDefinition,
        actor: Actor,
        dry_run: bool,
        scope: Scope,
    ) -> bool:
        """Migrate one case if it is open on `source`; a step landing meanwhile means retrying."""
        for _ in range(5):
            case = self._get(case_id)
            on_source = (case.workflow_id, case.workflow_version) == (source.id, source.version)
            elsewhere = scope is not None and case.region not in scope
            if not on_source or elsewhere or source.states[case.state].terminal:
                return False
            steps.migrate(case, source, target, self._context(actor, None, None))
            if dry_run:
                return True
            try:
                self.store.save(case)
            except IntegrityError:
                continue
            return True
        raise VersionConflict(case.version, self._get(case_id).version)

    def _case_ids(self, page: int = 1000) -> list[UUID]:
        """Every case, in the order opened (read from the log of opening events)."""
        recorder, topic = self.store.recorder, get_topic(Case.Opened)
        ids: list[UUID] = []
        start = 1
        while batch := recorder.select_notifications(start, page, topics=[topic]):
            ids += [UUID(str(n.originator_id)) for n in batch]
            start = batch[-1].id + 1
        return ids

    def _first_open(
        self, case_id: UUID, workflow_id: str, region: str, data: Mapping[str, object], ctx: Context
    ) -> StepResult:
        first = self._get(case_id).retried(ctx, open_fingerprint(workflow_id, region, data, ctx))
        assert first is not None  # the case's id was derived from this very key
        return StepResult.of(case_id, first)

    def _get(self, case_id: UUID, scope: Scope = None) -> Case:
        """The case, if it exists and lies in `scope` (else not found: existence must not leak)."""
        try:
            case: Case = self.store.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFound(case_id) from None
        if scope is not None and case.region not in scope:
            raise CaseNotFound(case_id, region=case.region)
        return case

    def _events(self, case_id: UUID, scope: Scope = None) -> list[Any]:
        with paused_gc():  # decoding a long stream allocates many short-lived containers
            events: list[Any] = list(self.store.events.get(case_id))
        if not events:
            raise CaseNotFound(case_id)
        if scope is not None and events[0].region not in scope:
            raise CaseNotFound(case_id, region=events[0].region)
        return events

    def _workflow(self, case: Case) -> WorkflowDefinition:
        return self.workflows.get(case.workflow_id, case.workflow_version)

    def _view(self, case: Case, reader: Actor | None, today: datetime | None = None) -> CaseView:
        """Deadlines are judged as of `today`: now, or the moment a past view is taken at."""
        return CaseView.of(case, self._workflow(case), reader, (today or self.clock()).date())


def _project(events: list[Any]) -> Case:
    """Fold events into a case without running any rule (replay never re-decides)."""
    case: Case = reduce(lambda agg, event: event.mutate(agg), events, None)
    return case
