"""Synthetic cases for demos and tests: generated from a workflow's field declarations alone,
walked through the workflow in memory (application/demo_walk.py) and written in batches.

No real person's data ever appears here: names are drawn from made-up lists and marked synthetic.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from referral_engine.application.agencies import Agencies
from referral_engine.application.demo_agencies import acting_agency
from referral_engine.application.demo_agencies import register as register_agencies
from referral_engine.application.demo_walk import Registry, Walker
from referral_engine.application.engine import Engine
from referral_engine.application.ports import CaseStore, UserDirectory
from referral_engine.domain import date_rules
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor
from referral_engine.domain.date_rules import DateFacts
from referral_engine.domain.fields import FieldSpec, JSONValue

FIRST_NAMES = ("Oksana", "Taras", "Iryna", "Bohdan", "Halyna", "Mykola", "Larysa", "Yurii")
LAST_NAMES = ("Testenko", "Prykladna", "Demchuk-Synth", "Zrazkova", "Fiktyvnyi", "Uyavna")
REGIONS = ("UA-32", "UA-46", "UA-51", "UA-63", "UA-12")
CITIZENSHIPS = ("UA", "UA", "UA", "MD", "BY", "RU", "GE", "VN", "GB", "AL", "stateless", "unknown")
"""Synthetic citizenships, weighted towards the countries NRM reports name most."""
BATCH = 100
"""Walked cases per write: one transaction each, written while the next batch is walked."""


DEFAULT_DAY = date(2026, 1, 15)
Window = tuple[date | None, date | None]
"""The earliest and latest day a date field's rules allow (None: no limit on that side)."""


def synthetic_value(
    spec: FieldSpec,
    rng: random.Random,
    on: date | None = None,
    since: date | None = None,
    at: datetime | None = None,
    window: Window = (None, None),
) -> JSONValue:
    """A plausible synthetic value for one declared field, stated `on` a day (at `at`) of a
    case opened `since`: a date within `window`, the earliest and latest its rules allow,
    where they can be met."""
    on = on or DEFAULT_DAY
    if spec.type == "date":
        return _synthetic_date(spec, rng, on, window).isoformat()
    if spec.type == "country":
        return rng.choice(CITIZENSHIPS)
    if spec.type == "agency":  # a synthetic agency of Kyiv Oblast; the walker picks one that fits
        return default_agency(spec)
    if spec.type in ("enum", "enum_list"):
        if spec.type == "enum":  # the first values the most often, as in real registers
            return rng.choices(spec.values, [1 / n for n in range(1, len(spec.values) + 1)])[0]
        return rng.sample(list(spec.values), k=rng.randint(1, min(2, len(spec.values))))
    if spec.type == "bool":  # a child in one case in five, as NRM reports count them
        return rng.random() < (0.2 if spec.name == "is_child" else 0.5)
    if spec.type == "int":
        low = spec.minimum if spec.minimum is not None else 1
        high = spec.maximum if spec.maximum is not None else 100
        return rng.randint(low, min(high, low + 100))
    if spec.type == "datetime":
        stated = at or datetime.combine(on, time(10), tzinfo=UTC)
        return max(stated - timedelta(hours=rng.randint(0, 4)), _start(since)).isoformat()
    if "name" in spec.name:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} (synthetic)"
    if spec.type == "text":
        return f"Synthetic note on {spec.title or spec.name}, no real person described."
    return f"SYN-{spec.name[:12].upper()}-{rng.randint(1000, 9999)}"


def _start(day: date | None) -> datetime:
    return datetime.combine(day or date.min, time(0), tzinfo=UTC)


def synthetic_data(
    fields: Sequence[FieldSpec],
    rng: random.Random,
    *,
    optional: float = 0.5,
    on: date | None = None,
    since: date | None = None,
    at: datetime | None = None,
    facts: DateFacts | None = None,
) -> dict[str, JSONValue]:
    """Values for every required field and, at the given rate, for the optional ones; dates
    keep their fields' rules as judged on `facts` (by default: a step on `on` of a case opened
    `since`), and a date of birth agrees with whether the person is a child."""
    on = on or DEFAULT_DAY
    facts = facts or DateFacts(today=on, opened=since or on)
    data: dict[str, JSONValue] = {}
    for f in fields:
        if f.required or rng.random() < optional:
            window = date_rules.window(f, data, facts) if f.type == "date" else (None, None)
            data[f.name] = synthetic_value(f, rng, on, since, at, window)
    if isinstance(data.get("is_child"), bool) and isinstance(data.get("date_of_birth"), str):
        years = (8, 17) if data["is_child"] else (18, 70)
        age = rng.randint(years[0] * 365 + 5, years[1] * 365 + 360)
        data["date_of_birth"] = (facts.opened - timedelta(days=age)).isoformat()
    return data


def _synthetic_date(spec: FieldSpec, rng: random.Random, on: date, window: Window) -> date:
    """A day drawn from the field's plausible span (a date of birth: ages 8 to 70; the start
    of the exploitation: up to 3 years before; an end not before the day of the step: up to two
    years on; others: the month before) within `window`; from
    the window alone when the two do not meet (up to two years on when it is open above: a
    certificate's end), and from the span when the window is empty (the step will be refused,
    as it should)."""
    if spec.name == "date_of_birth":
        low, high = on - timedelta(days=70 * 365), on - timedelta(days=8 * 365)
    elif spec.name.startswith("exploitation"):
        low, high = on - timedelta(days=3 * 365), on - timedelta(days=30)
    elif date_rules.TODAY in spec.not_before:  # an end: up to two years on
        low, high = on, on + timedelta(days=730)
    else:
        low, high = on - timedelta(days=30), on
    earliest, latest = window
    if earliest is not None and latest is not None and earliest > latest:
        earliest = latest = None
    lo, hi = max(low, earliest or low), min(high, latest or high)
    if lo > hi:  # the span is outside the window: the window's own days
        lo = earliest or (latest or high) - timedelta(days=30)
        hi = latest or lo + timedelta(days=730)
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def date_facts(
    engine: Engine, case_id: UUID, at: datetime, referral_id: str | None = None
) -> DateFacts:
    """What a step taken at `at` on the case (and the referral) is judged against: the day
    the case was opened, the step's day (the workflow's local days) and what was recorded."""
    workflow, case = engine.workflow_of(case_id), engine.case(case_id)
    opened_at = engine.history(case_id)[0].occurred_at
    referral = next((r.data for r in case.referrals if r.id == referral_id), {})
    return DateFacts(
        today=workflow.calendar.day(at),
        opened=workflow.calendar.day(opened_at),
        recorded={**case.data, **referral},
    )


def default_agency(spec: FieldSpec) -> str:
    """A synthetic registered agency of the kind an agency field takes (Kyiv Oblast's)."""
    if "police_unit" in spec.kinds:
        return "police-kyivska"
    return "lsa-kyivska" if spec.kinds == ("state_body",) else "shelter-kyiv"


def actor(role: str, agency: str | None = None, region: str = "UA-32") -> Actor:
    """The demo user acting in `role` for a case of `region`: of the registered agency such a
    user belongs to, or of `agency` when a step needs the agency a referral or request names."""
    agency = agency or acting_agency(role, region)
    return Actor(f"demo-{role}-{agency}", role, agency)


def seed(
    engine: Engine,
    workflow_id: str,
    cases: int = 5,
    seed: int = 2011,
    *,
    regions: Mapping[str, int] | None = None,
    days: tuple[int, int] = (20, 240),
) -> list[UUID]:
    """Open `cases` synthetic cases and walk each through the workflow, referring people to the
    synthetic registry's agencies (registered first where the engine's registry takes them);
    each opened `days` ago (20 to 240: cases closed early enough are followed up a quarter
    later), in one of `regions` (by weight; else the demo's regions the workflow has). The
    cases are walked in memory and written `BATCH` at a time; returns their ids."""
    registry = engine.agencies
    if isinstance(registry, Agencies):
        register_agencies(registry)
    rng = random.Random(seed)
    workflow = engine.workflows.get(workflow_id)
    now = engine.clock()

    def values(
        fields: Sequence[FieldSpec], at: datetime, opened: date, recorded: Mapping[str, Any]
    ) -> dict[str, JSONValue]:
        day = workflow.calendar.day(at)
        facts = DateFacts(today=day, opened=opened, recorded=dict(recorded))
        return synthetic_data(fields, rng, on=day, since=opened, at=at, facts=facts)

    walker = Walker(workflow, Registry(registry), rng, now, values, actor)
    places = [r for r in REGIONS if r in workflow.regions] or sorted(workflow.regions) or [*REGIONS]
    ids: list[UUID] = []
    with Writer(engine.store) as writer:
        for _ in range(cases):
            region = rng.choices([*regions], [*regions.values()])[0] if regions else None
            region = region or rng.choice(places)
            started = now - timedelta(days=rng.randint(*days))
            case = walker.run(region, started, rng.randint(4, 30))
            ids.append(case.id)
            writer.add(case)
    return ids


class Writer:
    """Writes walked cases in batches, each in one transaction (the store's `append`, as an
    import writes its rows), in a thread of its own while the next batch is walked."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.batch: list[Case] = []
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="demo-writer")
        self.writing: Future[None] | None = None

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.flush()
        if self.writing is not None:
            self.writing.result()
        self.pool.shutdown()

    def add(self, case: Case) -> None:
        self.batch.append(case)
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        if self.writing is not None:
            self.writing.result()  # one batch at a time, in order
        self.writing = self.pool.submit(self._write, self.batch)
        self.batch = []

    def _write(self, cases: list[Case]) -> None:
        self.store.keys.prepare([case.id for case in cases])
        self.store.append([event for case in cases for event in case.collect_events()])


DEMO_STAFF = (("supervisor", "lsa-kyivska"), ("analyst", "msp"), ("admin", "msp"))
"""The demo's staff, each of a synthetic registered agency (application/demo_agencies.py)."""
JOBS = {
    "nrm_actor": "screener of an NGO who meets possible victims and opens their cases",
    "lsa_official": "caseworker of the regional social protection department (the LSA)",
    "police": "police unit verifying personal files",
    "decision_maker": "official deciding on the status",
    "service_provider": "shelter receiving referrals for assistance",
    "first_responder": "UK first responder (police) referring people into the NRM",
    "competent_authority": "UK Single Competent Authority caseworker deciding on grounds",
    "support_provider": "UK support provider under the Victim Care Contract",
    "supervisor": "supervisor: deadlines, case histories, possible duplicates, audit log",
    "analyst": "analyst: dashboards and reports with small figures hidden",
    "statistician": "statistician: official reports with exact figures",
    "admin": "administrator: registers to import, agencies, read models",
}
"""What each demo user does, in words, by role (a role not listed is named as it is)."""
DEMO_PLAN = (
    ("ukraine-nrm", 7, {"UA-32": 8, "UA-46": 3, "UA-51": 2, "UA-63": 1, "UA-12": 1}),
    ("uk-nrm", 3, {"GB-ENG": 4, "GB-WLS": 1}),
)
"""The demo's cases: workflow, share of the cases, regions by weight (the larger regions hold
more cases, so that their figures are large enough to be published)."""
DEMO_CASES = 400
DEMO_DAYS = (15, 135)
"""The demo's cases were opened from four and a half months to a fortnight ago."""


def job(role: str) -> str:
    """What a demo user in `role` does, in words."""
    return JOBS.get(role, role.replace("_", " "))


def seed_demo(engine: Engine, cases: int = DEMO_CASES, seed_: int = 2011) -> dict[str, int]:
    """The demo's cases over both workflows, several regions and months (DEMO_PLAN) with their
    referrals, decisions and assistance; how many of each workflow were seeded."""
    plan = [(w, share, regions) for w, share, regions in DEMO_PLAN if w in _loaded(engine)]
    total = sum(share for _, share, _ in plan)
    seeded: dict[str, int] = {}
    for n, (workflow, share, regions) in enumerate(plan):
        count = cases * share // total if n < len(plan) - 1 else cases - sum(seeded.values())
        seed(engine, workflow, count, seed_ + n, regions=regions, days=DEMO_DAYS)
        seeded[workflow] = count
    return seeded


def demo_regions(engine: Engine) -> dict[str, list[str]]:
    """The regions of the demo's cases each role works in: those of the workflows naming it;
    the staff's are every one of them."""
    found: dict[str, list[str]] = {}
    loaded = _loaded(engine)
    everywhere = [r for w, _, regions in DEMO_PLAN if w in loaded for r in regions]
    for workflow, _, regions in DEMO_PLAN:
        if workflow in loaded:
            for role in engine.workflows.get(workflow).roles:
                found.setdefault(role, []).extend(regions)
    for role, _ in DEMO_STAFF:
        found[role] = everywhere
    return found


def _loaded(engine: Engine) -> set[str]:
    return {w.id for w in engine.workflows}


def demo_users(
    users: UserDirectory, regions: Mapping[str, Sequence[str]] | None = None
) -> list[tuple[str, str, str, str]]:
    """Demo users for every role (created once, in the regions `regions` gives their role, by
    default the demo's Ukrainian ones), each with a fresh token and a fresh password for the
    pages: (name, role, token, password)."""
    workflow_roles = sorted(users.known_roles - {r for r, _ in DEMO_STAFF})
    wanted = [(r, acting_agency(r)) for r in workflow_roles]
    everywhere = sorted({r for found in (regions or {}).values() for r in found})
    issued = []
    for role, agency in [*wanted, *DEMO_STAFF]:
        name = f"demo-{role.replace('_', '-')}"
        if users.get(name) is None:
            where = (regions or {}).get(role) or everywhere or REGIONS
            users.add(name, role, agency, list(dict.fromkeys(where)))
        users.revoke_all(name)
        password = secrets.token_urlsafe(12)
        users.set_password(name, password)
        issued.append((name, role, users.issue_token(name, "demo"), password))
    return issued
