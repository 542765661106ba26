"""The application: commands and queries on cases, each a few lines over the domain."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from referral_engine.application import registry_checks
from referral_engine.application.case_file import CaseFiles
from referral_engine.application.commanding import noted
from referral_engine.application.ports import AgencyDirectory, AuditNote, CaseStore
from referral_engine.application.reading import CaseHistory, Clock, utc_now
from referral_engine.application.registry_checks import NoAgencies
from referral_engine.application.transfers import Transfers
from referral_engine.domain import backdating, steps
from referral_engine.domain.access import Scope, sight
from referral_engine.domain.agency_errors import AgencyUnsuitable
from referral_engine.domain.agency_rules import RegistryFacts, agency_fields
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor, Context
from referral_engine.domain.errors import (
    MigrationRefused,
    ReferralNotFound,
    RegionNotAllowed,
    VersionConflict,
)
from referral_engine.domain.records import StepOutcome
from referral_engine.domain.regions import check_region
from referral_engine.domain.steps import open_fingerprint
from referral_engine.domain.views import MigrationReport, StepResult
from referral_engine.domain.workflow import AgreementSpec, TransitionSpec, WorkflowDefinition
from referral_engine.workflows.loader import WorkflowRegistry

IDEMPOTENT_OPEN = uuid5(NAMESPACE_URL, "urn:referral-engine:open-case")

__all__ = ["CaseHistory", "Clock", "Engine", "Scope", "utc_now"]


class Engine(Transfers, CaseFiles):
    """Open cases, take steps, refer, migrate, erase; transfer and assign them (`Transfers`);
    add notes and documents (`CaseFiles`); and read them (`CaseReader`)."""

    def __init__(
        self,
        store: CaseStore,
        workflows: WorkflowRegistry,
        clock: Clock = utc_now,
        agencies: Callable[[], AgencyDirectory] | None = None,
    ) -> None:
        super().__init__(store, workflows, clock)
        self.open_agencies: Callable[[], AgencyDirectory] = agencies or NoAgencies
        """The agency registry, opened when a command first names an agency."""
        self.recalls: Callable[[UUID], list[dict[str, Any]]] | None = None
        """The exported files that may hold a case (the HTCDS export ledger): an erasure's
        audit entry lists them, so that the operator knows which files to recall."""

    @property
    def agencies(self) -> AgencyDirectory:
        """The agency registry the engine judges the agencies steps name on."""
        return self.open_agencies()

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
        scope: Scope | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Open a case under the newest version of a workflow with its opening event (and its
        audit entry, in the same transaction, when given one)."""
        region = check_region(region, self.workflows.get(workflow_id).regions)
        if scope is not None and not scope.covers(region):
            raise RegionNotAllowed(region)
        ctx = self._context(actor, occurred_at, idempotency_key)
        case_id = uuid5(IDEMPOTENT_OPEN, str(ctx.key())) if ctx.key() else None
        if case_id is not None and case_id in self.store.repository:
            return self._first_open(case_id, workflow_id, region, data, ctx)
        case = steps.open_case(self.workflows.get(workflow_id), region, data, ctx, case_id)
        try:
            self.store.save(case, audit=noted(audit, case))
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
        scope: Scope | None = None,
        backdating_reason: str | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Fire one workflow trigger on a case."""
        ctx = self._context(actor, occurred_at, idempotency_key, backdating_reason)

        def decide(case: Case, workflow: WorkflowDefinition) -> StepOutcome:
            spec = workflow.guard.step(case.state, trigger)
            return self._judged(
                spec,
                data,
                self._facts(spec, data, case),
                lambda facts: steps.take_step(
                    case, workflow, trigger, data, ctx, expected_version, facts
                ),
            )

        return self._command(case_id, ctx, scope, audit, decide, expected=expected_version)

    def send_referral(
        self,
        case_id: UUID,
        data: Mapping[str, object],
        *,
        actor: Actor,
        expected_version: int,
        occurred_at: datetime | None = None,
        idempotency_key: str | None = None,
        scope: Scope | None = None,
        backdating_reason: str | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Refer the person to an agency for a service (data names the agency and service)."""
        ctx = self._context(actor, occurred_at, idempotency_key, backdating_reason)

        def decide(case: Case, workflow: WorkflowDefinition) -> StepOutcome:
            block = workflow.referrals
            spec = block.send if block else None
            rule = (block.agreement if block else None, actor.agency)
            return self._judged(
                spec,
                data,
                self._facts(spec, data, case, rule),
                lambda facts: steps.send_referral(
                    case, workflow, data, ctx, expected_version, facts
                ),
            )

        return self._command(case_id, ctx, scope, audit, decide)

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
        scope: Scope | None = None,
        backdating_reason: str | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Fire a trigger on one referral: accept, reject, revoke, deliver assistance, complete."""
        ctx = self._context(actor, occurred_at, idempotency_key, backdating_reason)

        def decide(case: Case, workflow: WorkflowDefinition) -> StepOutcome:
            seen = sight(workflow.access, case, scope)
            if seen is not None and not seen.whole and referral_id not in (seen.referrals or ()):
                raise ReferralNotFound(referral_id)  # another agency's referral: not theirs to see
            referral = case.referrals.get(referral_id)
            guard = workflow.referrals.guard if workflow.referrals else None
            spec = guard.step(referral.state, trigger) if guard and referral else None
            return self._judged(
                spec,
                data,
                self._facts(spec, data, case),
                lambda facts: steps.take_referral_step(
                    case, workflow, referral_id, trigger, data, ctx, expected_version, facts
                ),
            )

        return self._command(case_id, ctx, scope, audit, decide)

    def confirm_stated_date(
        self,
        case_id: UUID,
        step_version: int,
        reason: str,
        *,
        actor: Actor,
        expected_version: int,
        idempotency_key: str | None = None,
        scope: Scope | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Confirm, as a second person in a confirming role, the stated date of a backdated step:
        its earliest dates count from that day from now on (domain/backdating.py)."""
        ctx = self._context(actor, None, idempotency_key)
        return self._command(
            case_id,
            ctx,
            scope,
            audit,
            lambda c, w: backdating.confirm_later(
                c, w, step_version, reason, ctx, expected_version
            ),
        )

    def erase_personal_data(
        self,
        case_id: UUID,
        reason: str,
        *,
        actor: Actor,
        scope: Scope | None = None,
        audit: AuditNote | None = None,
    ) -> StepResult:
        """Erase the case's personal data on a lawful request: record the erasure, then destroy
        the case key. The stream, its states and its statistics stay. Repeating it is harmless."""
        ctx = self._context(actor, None, None)
        if audit is not None and self.recalls is not None:
            recall = self.recalls(case_id)
            audit = replace(audit, detail={**(audit.detail or {}), "exports_to_recall": recall})
        for _ in range(5):  # a step landing meanwhile only means trying again
            case = self._get(case_id, scope)
            replayed = case.erased
            if not replayed:
                steps.erase_personal_data(case, self._workflow(case), reason, ctx)
                try:
                    self.store.save(case, audit=noted(audit, case))
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
        scope: Scope | None = None,
    ) -> MigrationReport:
        """Move every open case of one workflow version (in `scope`'s regions) to another through
        a recorded event; cases whose state has no counterpart are refused and listed, and so
        are those left in a final state (a dry run writes nothing)."""
        source = self.workflows.get(workflow_id, from_version)
        target = self.workflows.get(workflow_id, to_version)
        moved: list[UUID] = []
        refused: list[tuple[UUID, str]] = []
        final: list[tuple[UUID, str]] = []
        for case_id in self._case_ids():
            try:
                outcome = self._migrate(case_id, source, target, actor, dry_run, scope)
            except MigrationRefused as exc:
                refused.append((case_id, "; ".join(exc.problems)))
                continue
            if outcome is True:
                moved.append(case_id)
            elif outcome:
                final.append((case_id, outcome))
        return MigrationReport(
            workflow_id,
            from_version,
            to_version,
            dry_run,
            tuple(moved),
            tuple(refused),
            tuple(final),
        )

    # -- plumbing -------------------------------------------------------------------------------

    def _facts(
        self,
        spec: TransitionSpec | None,
        data: Mapping[str, object],
        case: Case,
        agreement: tuple[AgreementSpec | None, str] = (None, ""),
    ) -> RegistryFacts:
        """What the registry says of the agencies the step names (unopened if it names none)."""
        if spec is None or not agency_fields(spec):
            return RegistryFacts()
        return registry_checks.facts_for(self.agencies, spec, data, case.region, agreement)

    def _judged(
        self,
        spec: TransitionSpec | None,
        data: Mapping[str, object],
        facts: RegistryFacts,
        decide: Callable[[RegistryFacts], StepOutcome],
    ) -> StepOutcome:
        """The domain's decision on `facts`; an unsuitable agency is refused naming those
        that fit (read from the registry only then)."""
        try:
            return decide(facts)
        except AgencyUnsuitable as refused:
            assert spec is not None  # only a step's own agency fields are judged
            raise registry_checks.with_candidates(self.agencies, refused, spec, data) from None

    def _migrate(
        self,
        case_id: UUID,
        source: WorkflowDefinition,
        target: WorkflowDefinition,
        actor: Actor,
        dry_run: bool,
        scope: Scope | None,
    ) -> bool | str:
        """Migrate one case if it is open on `source` (True when it moved; its state when it
        stays in a final one); a step landing meanwhile means retrying."""
        for _ in range(5):
            case = self._get(case_id)
            on_source = (case.workflow_id, case.workflow_version) == (source.id, source.version)
            elsewhere = scope is not None and not scope.covers(case.region)
            if not on_source or elsewhere:
                return False
            if source.states[case.state].terminal:
                return case.state
            happened = self._happened(case_id, target, source.version)
            steps.migrate(case, source, target, self._context(actor, None, None), happened)
            if dry_run:
                return True
            try:
                self.store.save(case)
            except IntegrityError:
                continue
            return True
        raise VersionConflict(case.version, self._get(case_id).version)

    def _happened(self, case_id: UUID, target: WorkflowDefinition, version: int) -> frozenset[str]:
        """The names of the case's events, read only when a move from `version` depends on
        them."""
        mapping = target.migration_from(version)
        if mapping is None or not mapping.happened:
            return frozenset()
        return frozenset(getattr(e, "name", "") for e in self.store.events.get(case_id))

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
