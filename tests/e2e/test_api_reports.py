"""Official statistics through the API: a planted multi-year data set with known counts is
reproduced by every report, totals included, in JSON, CSV and XLSX; published figures are
reproduced to the digit after a backdated step, which the revisions name; analysts' figures keep
every suppressed cell unrecoverable."""

from __future__ import annotations

import csv
import io
import random
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor
from tests.e2e.conftest import Callers
from tests.factories import (
    LSA,
    FixedClock,
    data_for,
    path_to,
    referral_step,
    send_referral,
    step,
)

REGIONS = ("UA-32", "UA-46", "UA-63")
YEARS = (2023, 2024, 2025)
OUTCOMES = {"status_granted": "granted", "status_refused": "refused"}
OUTCOMES["returned_incomplete"] = "incomplete"
FORMS = (("labour",), ("sexual",), ("labour", "sexual"), ("begging",))


@dataclass(frozen=True)
class Planted:
    """One synthetic case and what every report must count it as."""

    case_id: UUID
    region: str
    applied_on: date
    decided_on: date | None
    outcome: str | None  # granted, refused, incomplete; None: still pending
    sex: str
    age_group: str
    child: str
    form: str
    screened_on: date
    assisted_on: date | None  # referred the day after applying, accepted, assisted


def plant(runtime: Runtime, clock: FixedClock, seed: int = 15) -> list[Planted]:
    """Cases screened, applied for and decided on known days of three years."""
    rng = random.Random(seed)
    engine = runtime.engine
    workflow = engine.workflows.get("ukraine-nrm")
    planted = []
    for i in range(48):
        year = YEARS[i % 3]
        region = REGIONS[rng.randrange(3)]
        sex = rng.choice(("female", "male", "female"))
        child = rng.random() < 0.3
        forms = FORMS[rng.randrange(len(FORMS))]
        outcome = rng.choice((*OUTCOMES, None))
        clock.now = datetime(year, 2 + i % 9, 3 + i % 20, 9, tzinfo=UTC)
        born = clock.now.date() - timedelta(days=round((15.5 if child else 30.5) * 365.25))
        opening = data_for(
            workflow.opening,
            seed=i,
            is_child=child,
            sex=sex,
            citizenship="UA",
            exploitation_forms=list(forms),
            date_of_birth=born.isoformat(),
        )
        case_id = engine.open_case("ukraine-nrm", region, opening, actor=SCREENER).case_id
        screened_on = clock.now.date()
        step(engine, case_id, "record_consent", actor=LSA)
        applied_on = decided_on = assisted_on = None
        target = outcome or "identified"  # pending: identified, awaiting the decision
        for trigger in path_to(workflow, target):
            clock.advance(days=1)
            step(engine, case_id, trigger)
            if trigger == "register_application":
                applied_on = clock.now.date()
                if i % 2 == 0:  # referred, accepted and assisted on the three days after
                    assisted_on = assist(engine, clock, case_id)
        decided_on = clock.now.date() if outcome else None
        assert applied_on is not None
        planted.append(
            Planted(
                case_id,
                region,
                applied_on,
                decided_on,
                OUTCOMES.get(outcome or ""),
                sex,
                "15-17" if child else "25-34",
                "child" if child else "adult",
                "mixed" if len(forms) > 1 else forms[0],
                screened_on,
                assisted_on,
            )
        )
    clock.now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    runtime.projections.catch_up()
    return planted


SCREENER = Actor("screener-1", "nrm_actor", "ngo-synthetic")


def assist(engine: Any, clock: FixedClock, case_id: UUID) -> date:
    """A shelter referral sent, accepted the next day and accommodation given the day after."""
    clock.advance(days=1)
    referral_id = send_referral(engine, case_id, service="shelter").referral_id
    assert referral_id is not None
    clock.advance(days=1)
    referral_step(engine, case_id, referral_id, "accept")
    clock.advance(days=1)
    referral_step(
        engine,
        case_id,
        referral_id,
        "deliver_assistance",
        assistance_type="accommodation",
        delivered_on=clock.now.date().isoformat(),
    )
    return clock.now.date()


def expected(
    planted: list[Planted], by: tuple[str, ...], start: date, end: date
) -> dict[str, Counter[tuple[str, ...]]]:
    """Each flow measure of `status` counted from the plan, keyed by the dimensions' values
    ('total' for a margin), every total included."""
    found: dict[str, Counter[tuple[str, ...]]] = {}

    def keyed(p: Planted, on: date) -> tuple[str, ...]:
        values = {"year": str(on.year), "region": p.region, "sex": p.sex}
        values |= {"age_group": p.age_group, "child": p.child, "form": p.form}
        return tuple(values[d] for d in by)

    def count(measure: str, facts: list[tuple[Planted, date]]) -> None:
        counter: Counter[tuple[str, ...]] = Counter()
        for p, on in facts:
            if not start <= on <= end:
                continue
            key = keyed(p, on)
            for mask in range(2 ** len(by)):
                counter[tuple("total" if mask >> i & 1 else k for i, k in enumerate(key))] += 1
        found[measure] = counter

    count("applications", [(p, p.applied_on) for p in planted])
    for outcome in ("granted", "refused", "incomplete"):
        decided = [(p, p.decided_on) for p in planted if p.outcome == outcome]
        count(outcome, [(p, on) for p, on in decided if on is not None])
    return found


def figures_of(body: dict[str, Any]) -> dict[str, dict[tuple[str, ...], Any]]:
    dims = len(body["by"])
    return {
        t["measure"]: {
            (f["row"], f["column"])[: max(dims, 1)] if dims else (): f["value"]
            for f in t["figures"]
        }
        for t in body["tables"]
    }


def get(client: TestClient, caller: Any, **params: Any) -> Any:
    name = params.pop("name", "status")
    response = client.get(f"/api/reports/{name}", params=params, headers=caller.auth)
    assert response.status_code == 200, response.text
    return response


SHAPES = (
    ("year",),
    ("region",),
    ("sex",),
    ("age_group",),
    ("child",),
    ("form",),
    ("year", "region"),
    ("sex", "age_group"),
)


def test_a_planted_data_set_is_counted_exactly_with_every_total(
    pg_runtime: Runtime, clock: FixedClock, client: TestClient, callers: Callers
) -> None:
    """Planted once (a few seconds): every report, shape and file format read from it."""
    planted = plant(pg_runtime, clock)
    for by in SHAPES:
        _status_as_planted(client, callers, planted, by)
    _stocks_as_planted(client, callers, planted)
    _identification_and_assistance_as_planted(pg_runtime, client, callers, planted)
    _analysts_protected_and_statisticians_exact_audited(pg_runtime, client, callers)


def _status_as_planted(
    client: TestClient, callers: Callers, planted: list[Planted], by: tuple[str, ...]
) -> None:
    start, end = date(2023, 1, 1), date(2025, 12, 31)
    statistician = callers["statistician"]
    params = {"from": start.isoformat(), "to": end.isoformat(), "by": ",".join(by)}
    body = get(client, statistician, **params).json()
    assert body["exact"] is True and body["k"] is None
    shown = figures_of(body)
    for measure, counted in expected(planted, by, start, end).items():
        got = {k if len(by) > 1 else k[:1]: v for k, v in shown[measure].items() if v}
        want = {k: v for k, v in counted.items() if v}
        if len(by) == 1:
            want = dict(want.items())
        assert got == want, measure
    # the same figures as CSV and as XLSX
    text = get(client, statistician, **params, format="csv").text
    lines = list(csv.DictReader(io.StringIO(text)))
    for measure, counted in expected(planted, by, start, end).items():
        got_csv = {
            tuple(line[d] for d in by): int(line["value"])
            for line in lines
            if line["measure"] == measure and line["value"] not in ("", "0")
        }
        assert got_csv == {k: v for k, v in counted.items() if v}, measure
    book = load_workbook(io.BytesIO(get(client, statistician, **params, format="xlsx").content))
    for measure, counted in expected(planted, by, start, end).items():
        sheet = list(book[measure].iter_rows(values_only=True))
        columns = sheet[0][1:]
        got_xlsx: dict[tuple[str, ...], int] = {}
        for row in sheet[1:]:
            for column, value in zip(columns, row[1:], strict=True):
                key = (str(row[0]), str(column)) if len(by) == 2 else (str(row[0]),)
                if value:
                    got_xlsx[key] = value
        assert got_xlsx == {k: v for k, v in counted.items() if v}, measure


def _stocks_as_planted(client: TestClient, callers: Callers, planted: list[Planted]) -> None:
    for year in YEARS:
        end = date(year, 12, 31)
        body = get(
            client,
            callers["statistician"],
            **{"from": f"{year}-01-01", "to": end.isoformat(), "by": "region"},
        ).json()
        shown = figures_of(body)
        pending = Counter(
            p.region
            for p in planted
            if p.applied_on <= end and (p.decided_on is None or p.decided_on > end)
        )
        holding = Counter(
            p.region
            for p in planted
            if p.outcome == "granted" and p.decided_on and p.decided_on <= end
        )
        for measure, counted in (("pending_at_end", pending), ("holding_at_end", holding)):
            got = {k[0]: v for k, v in shown[measure].items() if v and k[0] != "total"}
            assert got == dict(counted), (year, measure)
            assert shown[measure][("total",)] == sum(counted.values())


def test_a_publication_is_reproduced_after_a_backdated_decision_which_its_revisions_name(
    pg_runtime: Runtime, clock: FixedClock, client: TestClient, callers: Callers
) -> None:
    planted = plant(pg_runtime, clock)
    statistician = callers["statistician"]
    period = {"start": "2025-01-01", "end": "2025-12-31", "by": ["region"]}
    published = client.post(
        "/api/reports/status/publications", json=period, headers=statistician.auth
    )
    assert published.status_code == 201, published.text
    publication = published.json()
    before = client.get(f"/api/publications/{publication['id']}", headers=statistician.auth).json()
    assert before["digest"] == publication["digest"]

    # a decision on a case pending since 2025, recorded now but stated as taken in 2025
    pending = next(p for p in planted if p.outcome is None and p.applied_on.year == 2025)
    clock.advance(days=1)
    case_id = pending.case_id
    engine = pg_runtime.engine
    stated = datetime(2025, 12, 30, 12, tzinfo=UTC)  # within the workflow's 90 days
    step(engine, case_id, "grant_status", occurred_at=stated)
    pg_runtime.projections.catch_up()

    again = client.get(f"/api/publications/{publication['id']}", headers=statistician.auth)
    assert again.status_code == 200, again.text
    assert again.json()["digest"] == publication["digest"]
    assert figures_of(again.json()) == figures_of(before)
    now = get(
        client, statistician, **{"from": "2025-01-01", "to": "2025-12-31", "by": "region"}
    ).json()
    assert now["digest"] != publication["digest"]
    granted_now = figures_of(now)["granted"]
    granted_then = figures_of(before)["granted"]
    assert granted_now[(pending.region,)] == (granted_then.get((pending.region,)) or 0) + 1
    revisions = client.get(
        f"/api/publications/{publication['id']}/revisions", headers=statistician.auth
    ).json()
    changed = {(c["measure"], c["row"]) for c in revisions["changes"]}
    assert ("granted", pending.region) in changed and ("granted", "total") in changed
    assert ("pending_at_end", pending.region) in changed
    assert any(
        e["kind"] == "granted" and e["occurred_on"] == "2025-12-30"
        for e in revisions["recorded_later"]
    )


def test_an_as_of_moment_ignores_what_was_recorded_later(
    pg_runtime: Runtime, clock: FixedClock, client: TestClient, callers: Callers
) -> None:
    planted = plant(pg_runtime, clock)
    moment = clock.now
    params = {"from": "2023-01-01", "to": "2025-12-31", "by": "year"}
    by_sex = {**params, "by": "sex"}
    then = get(client, callers["statistician"], **params).json()
    then_by_sex = get(client, callers["statistician"], **by_sex).json()
    # recorded an hour later: a decision stated as taken in December 2025, and a case's sex
    # corrected
    clock.advance(hours=1)
    pending = next(p for p in planted if p.outcome is None and p.applied_on.year == 2025)
    stated = datetime(2025, 12, 30, 12, tzinfo=UTC)
    step(pg_runtime.engine, pending.case_id, "grant_status", occurred_at=stated)
    corrected = planted[0]
    other = "male" if corrected.sex == "female" else "female"
    step(pg_runtime.engine, corrected.case_id, "record_reportable_facts", data={"sex": other})
    pg_runtime.projections.catch_up()
    now = get(client, callers["statistician"], **params).json()
    assert figures_of(now)["granted"][("2025",)] == figures_of(then)["granted"][("2025",)] + 1
    later = get(client, callers["statistician"], **params, as_of=moment.isoformat()).json()
    assert figures_of(later) == figures_of(then)
    assert later["digest"] != now["digest"]
    sexes_now = figures_of(get(client, callers["statistician"], **by_sex).json())
    assert sexes_now["applications"][(other,)] == (
        figures_of(then_by_sex)["applications"][(other,)] + 1
    )
    sexes_then = get(client, callers["statistician"], **by_sex, as_of=moment.isoformat()).json()
    assert figures_of(sexes_then) == figures_of(then_by_sex)


def _analysts_protected_and_statisticians_exact_audited(
    pg_runtime: Runtime, client: TestClient, callers: Callers
) -> None:
    params = {"from": "2024-01-01", "to": "2024-12-31", "by": "region,sex"}
    analyst = get(client, callers["analyst"], **params).json()
    assert analyst["exact"] is False and analyst["k"] == pg_runtime.settings.suppression_k
    assert any(f["suppressed"] for t in analyst["tables"] for f in t["figures"])
    assert all(
        f["value"] is None for t in analyst["tables"] for f in t["figures"] if f["suppressed"]
    )
    exact = get(client, callers["statistician"], **params).json()
    assert exact["exact"] is True and not any(
        f["suppressed"] for t in exact["tables"] for f in t["figures"]
    )
    reads = client.get("/api/audit", params={"user": "statistician"}, headers=callers["admin"].auth)
    entries = [e for e in reads.json() if e["action"] == "report.read_exact"]
    assert len(entries) >= len(SHAPES) * 3  # every exact read: JSON, CSV and XLSX alike
    (entry,) = [e for e in entries if e["detail"]["digest"] == exact["digest"]]
    assert entry["detail"]["by"] == ["region", "sex"] and entry["detail"]["format"] == "json"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"by": "year,region,sex"}, "by"),
        ({"by": "colour"}, "by"),
        ({"from": "2025-02-01", "to": "2025-01-01"}, "from"),
        ({"from": "2024-01-01", "to": "2025-12-31"}, "from"),  # protected: one year at a time
        ({"as_of": "2999-01-01T00:00:00Z"}, "as_of"),
    ],
)
def test_bad_parameters_are_refused_naming_them(
    client: TestClient, callers: Callers, params: dict[str, str], field: str
) -> None:
    response = client.get("/api/reports/status", params=params, headers=callers["analyst"].auth)
    assert response.status_code == 422, response.text
    assert field in response.text


def test_only_statisticians_publish_and_unknown_reports_are_404(
    client: TestClient, callers: Callers
) -> None:
    period = {"start": "2025-01-01", "end": "2025-12-31"}
    refused = client.post(
        "/api/reports/status/publications", json=period, headers=callers["analyst"].auth
    )
    assert refused.status_code == 403
    assert client.get("/api/reports/nope", headers=callers["analyst"].auth).status_code == 404
    listed = client.get("/api/reports", headers=callers["analyst"].auth).json()
    assert {r["name"] for r in listed} >= {"status", "identification", "assistance"}


def _identification_and_assistance_as_planted(
    pg_runtime: Runtime, client: TestClient, callers: Callers, planted: list[Planted]
) -> None:
    identified = Counter(
        (str(e.occurred_at.year), p.region)
        for p in planted
        for e in pg_runtime.engine.history(p.case_id)
        if e.event == "VictimIdentified"
    )
    statistician = callers["statistician"]
    params = {"from": "2023-01-01", "to": "2025-12-31", "by": "year,region"}
    shown = figures_of(get(client, statistician, name="identification", **params).json())
    screened = Counter((str(p.screened_on.year), p.region) for p in planted)
    for measure, counted in (("screened", screened), ("identified", identified)):
        got = {k: v for k, v in shown[measure].items() if v and "total" not in k}
        assert got == dict(counted), measure
        assert shown[measure][("total", "total")] == sum(counted.values())
    by_form = figures_of(
        get(client, statistician, name="identification", **{**params, "by": "form"}).json()
    )["screened"]
    assert {k[0]: v for k, v in by_form.items() if k != ("total",)} == dict(
        Counter(p.form for p in planted)
    )
    assisted = [p for p in planted if p.assisted_on is not None]
    shown = figures_of(get(client, statistician, name="assistance", **params).json())
    for measure, days_after in (
        ("referrals_sent", 2),
        ("referrals_accepted", 1),
        ("assistance_delivered", 0),
    ):
        counted = Counter(
            (str((p.assisted_on - timedelta(days=days_after)).year), p.region)
            for p in assisted
            if p.assisted_on is not None
        )
        got = {k: v for k, v in shown[measure].items() if v and "total" not in k}
        assert got == dict(counted), measure
    assert shown["days_to_answer"][("total", "total")] == 1.0  # every referral answered next day
    firsts = sorted((p.assisted_on - p.applied_on).days for p in assisted if p.assisted_on)
    assert shown["days_to_first_assistance"][("total", "total")] == statistics.median(firsts)
