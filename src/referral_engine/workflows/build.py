"""Build a validated workflow file (its pydantic model) into the domain's WorkflowDefinition."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from referral_engine.domain.calendar import WorkCalendar
from referral_engine.domain.conditions import (
    ConditionSpec,
    LimitSpec,
    ValueCondition,
    WithheldSpec,
)
from referral_engine.domain.fields import FieldSpec
from referral_engine.domain.htcds_mapping import FieldMap, HtcdsMapping
from referral_engine.domain.papers import PaperSpec
from referral_engine.domain.persons import PersonFields
from referral_engine.domain.regions import Region, TransferSpec
from referral_engine.domain.workflow import (
    AgreementSpec,
    BackdatingSpec,
    DeadlineSpec,
    DerivedSpec,
    HappenedMove,
    MigrationSpec,
    NotBeforeSpec,
    OpeningSpec,
    ReferralSpec,
    StateSpec,
    TransitionSpec,
    WorkflowDefinition,
)
from referral_engine.workflows.country_names import country_index
from referral_engine.workflows.graph import allowed_states, sources_of
from referral_engine.workflows.labels import all_labels
from referral_engine.workflows.model import (
    WEEKDAYS,
    AllowedInModel,
    BackdatingModel,
    ConditionModel,
    DerivedModel,
    FieldModel,
    HtcdsModel,
    LimitModel,
    MigrationModel,
    NotBeforeModel,
    PersonsModel,
    TransitionModel,
    WorkflowModel,
)


def build(model: WorkflowModel, papers: tuple[PaperSpec, ...] = ()) -> WorkflowDefinition:
    """The domain definition of a file whose structure and meaning were checked (with its
    papers, their templates read: workflows/papers.py)."""
    states = {n: StateSpec(n, s.title, s.terminal) for n, s in model.states.items()}
    live = tuple(n for n, s in model.states.items() if not s.terminal)
    backdating = _backdating(model.backdating)
    referrals = None
    if model.referrals is not None:
        r = model.referrals
        send = TransitionSpec(
            trigger=r.send.trigger,
            event=r.send.event,
            sources=(),
            dest=r.send.dest,
            roles=frozenset(r.send.roles),
            fields=_fields(r.send.fields),
            title=r.send.title,
            requires=tuple(r.send.requires),
            backdating=backdating,
        )
        ref_live = tuple(n for n, s in r.states.items() if not s.terminal)
        referrals = ReferralSpec(
            allowed_in=frozenset(allowed_states(r.allowed_in)),
            allowed_when={
                a.state: _conditions(a.when) for a in r.allowed_in if isinstance(a, AllowedInModel)
            },
            active_in=None if r.active_in is None else frozenset(r.active_in),
            send=send,
            states={n: StateSpec(n, s.title, s.terminal) for n, s in r.states.items()},
            transitions=tuple(_transition(t, ref_live, backdating) for t in r.transitions),
            agency_field=r.agency_field,
            service_field=r.service_field,
            shared_fields=frozenset(r.shared_fields),
            agreement=AgreementSpec(r.agreement.party, r.agreement.source) if r.agreement else None,
        )
    weekend = frozenset(WEEKDAYS.index(d) for d in model.calendar.weekend)
    return WorkflowDefinition(
        id=model.id,
        version=model.version,
        title=model.title,
        source=model.source,
        description=model.description,
        roles=dict(model.roles),
        states=states,
        opening=OpeningSpec(
            event=model.opening.event,
            state=model.opening.state,
            roles=frozenset(model.opening.roles),
            fields=_fields(model.opening.fields),
            title=model.opening.title,
            sets=tuple(model.opening.sets),
        ),
        transitions=tuple(_transition(t, live, backdating) for t in model.transitions),
        referrals=referrals,
        deadlines=tuple(
            DeadlineSpec(
                name=d.name,
                title=d.title,
                starts_on=tuple(d.starts_on),
                stops_on=tuple(d.stops_on),
                days=d.days or 0,
                months=d.months or 0,
                when=_conditions(d.when),
                within=d.within,
                working_days=d.calendar == "working",
                source=d.source,
                service_target=d.service_target,
                remind_before=d.remind_before,
                escalate_to=tuple(d.escalate_to),
                answered_on=tuple(d.answered_on),
            )
            for d in model.deadlines
        ),
        calendar=WorkCalendar(
            weekend=weekend,
            holidays=frozenset(model.calendar.holidays),
            time_zone=ZoneInfo(model.calendar.time_zone),
        ),
        milestones=_milestones_by_event(model.reporting.milestones),
        report_fields={
            k: f if isinstance(f, str) else f.field for k, f in model.reporting.fields.items()
        },
        report_values={
            k: dict(f.values)
            for k, f in model.reporting.fields.items()
            if not isinstance(f, str) and f.values
        },
        derived=tuple(_derived(n, d) for n, d in model.derived.items()),
        personal_readers=frozenset(model.personal_data.readers) if model.personal_data else None,
        access={role: frozenset(reaches) for role, reaches in model.access.items()},
        migrations=_migrations(model.migration),
        backdating=backdating,
        labels=all_labels(model),
        regions={r.code: Region(r.code, dict(r.names)) for r in model.regions},
        persons=_persons(model.persons),
        htcds=_htcds(model.htcds),
        withheld=tuple(
            WithheldSpec(
                tuple(w.fields), tuple(w.states), tuple(w.unless), _conditions(w.when), w.source
            )
            for w in model.withheld
        ),
        transfers=_transfers(model),
        papers=papers,
    )


def _htcds(h: HtcdsModel | None) -> HtcdsMapping | None:
    if h is None:
        return None
    fields = {
        k: FieldMap(f) if isinstance(f, str) else FieldMap(f.field, dict(f.values))
        for k, f in h.fields.items()
    }
    return HtcdsMapping(fields, h.steps, h.states, h.dates, h.constants)


def _persons(p: PersonsModel | None) -> PersonFields:
    if p is None:
        return PersonFields()
    return PersonFields(
        tuple(p.names), p.birth_date, tuple(p.phones), tuple(p.numbers), p.phone_country
    )


def _transfers(model: WorkflowModel) -> TransferSpec | None:
    t = model.transfers
    if t is None:
        return None
    return TransferSpec(
        frozenset(t.requested_by),
        frozenset(t.answered_by),
        tuple(t.reasons),
        tuple(t.refusal_reasons),
    )


def _migrations(migration: MigrationModel | None) -> tuple[MigrationSpec, ...]:
    if migration is None:
        return ()
    return (
        MigrationSpec(
            migration.from_version,
            dict(migration.states),
            dict(migration.referral_states),
            tuple(
                HappenedMove(h.event, dict(h.states), tuple(h.refused), h.source)
                for h in migration.happened
            ),
        ),
    )


def _not_before(rule: NotBeforeModel | None) -> NotBeforeSpec | None:
    if rule is None:
        return None
    return NotBeforeSpec(tuple(rule.after), rule.days, rule.calendar == "working", rule.source)


def _milestones_by_event(milestones: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    by_event: dict[str, set[str]] = {}
    for milestone, events in milestones.items():
        for event in events:
            by_event.setdefault(event, set()).add(milestone)
    return {event: frozenset(names) for event, names in by_event.items()}


def _backdating(rule: BackdatingModel | None) -> BackdatingSpec | None:
    return None if rule is None else BackdatingSpec(rule.max_days, frozenset(rule.confirmed_by))


def _transition(
    t: TransitionModel, live_states: tuple[str, ...], backdating: BackdatingSpec | None
) -> TransitionSpec:
    return TransitionSpec(
        trigger=t.trigger,
        event=t.event,
        sources=sources_of(t.source, live_states),
        dest=t.dest,
        roles=frozenset(t.roles),
        fields=_fields(t.fields),
        title=t.title,
        requires=tuple(t.requires),
        sets=tuple(t.sets),
        clears=tuple(t.clears),
        receiving_agency_only=t.receiving_agency_only,
        not_before=_not_before(t.not_before),
        backdating=_backdating(t.backdating) or backdating,
        when=_conditions(t.when),
        names_agency=t.names_agency,
        named_agency_only=t.named_agency_only,
        limits=tuple(spec for limit in t.limits for spec in _limits(limit)),
        until_allowed=t.until_allowed,
        value_conditions=tuple(
            ValueCondition(name, value, _conditions(conditions))
            for name, f in t.fields.items()
            for value, conditions in f.values_when.items()
        ),
        basis=t.basis,
        refused_in=tuple(t.refused_in.items()),
        repeats=t.repeats,
        ends=t.ends,
    )


def _conditions(conditions: list[ConditionModel]) -> tuple[ConditionSpec, ...]:
    return tuple(
        ConditionSpec(c.field, c.equals, tuple(c.one_of), c.not_equals, c.age_below)
        for c in conditions
    )


def _limits(limit: LimitModel) -> list[LimitSpec]:
    """One domain limit per bound the file gives."""
    bounds = [("at_most", limit.at_most), ("at_least", limit.at_least)]
    return [
        LimitSpec(limit.field, name, b.after, b.years, b.months, b.days, limit.source)
        for name, b in bounds
        if b is not None
    ]


def _fields(fields: dict[str, FieldModel]) -> tuple[FieldSpec, ...]:
    return tuple(
        FieldSpec(
            name=name,
            type=f.type,  # type: ignore[arg-type]
            required=f.required,
            pii=f.pii,
            title=f.title,
            values=tuple(f.values),
            minimum=f.min,
            maximum=f.max,
            readers=tuple(f.readers),
            kinds=tuple(f.kinds),
            provides=f.provides,
            serves_case_region=f.serves_case_region,
            not_after=tuple(f.not_after),
            not_before=tuple(f.not_before),
            child_flag=f.child_flag,
        )
        for name, f in fields.items()
    )


def _derived(name: str, d: DerivedModel) -> DerivedSpec:
    """A derived fact; a country's with the names it is matched against."""
    names = country_index() if d.kind == "country" else {}
    return DerivedSpec(name, d.source, d.at or "", d.kind, names)
