"""Import benchmark: a synthetic 10,000-row register (docs/import/ministry-register.yaml) imported
into an empty store, against opening the same cases one command at a time through the engine
(the opening and every step of each row's path, in the same run, on a sample of rows).

Target (issue #16): at least 1,000 cases per second.

    PYTHONPATH=. .venv/bin/python bench/imports.py [--rows 10000] [--sample 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from common import finish, machine, scratch_runtime, verdict
from referral_engine.application.demo_agencies import acting_agency
from referral_engine.application.demo_register import synthetic_register
from referral_engine.application.importing import Imports
from referral_engine.application.registers import read_register
from referral_engine.bootstrap import Runtime
from referral_engine.domain.case import Case
from referral_engine.domain.commands import Actor, ImportMark
from referral_engine.domain.imports import build_case, row_id_of

MAPPING = Path(__file__).parent.parent / "docs" / "import" / "ministry-register.yaml"
ADMIN = Actor("bench-admin", "admin", "mlsp")


def by_commands(runtime: Runtime, rows: list[tuple[int, dict[str, Any]]]) -> float:
    """Cases per second opening each row's case and taking its steps through the engine, one
    command at a time, as caseworkers would (dated today: the engine refuses older dates)."""
    engine = runtime.engine
    imports = Imports(engine.store, engine.workflows, engine.clock)
    workflow, mapping, digest = imports.mapping("ukraine-nrm", MAPPING.read_text())
    cases = []
    for number, cells in rows:
        mark = ImportMark("baseline", number, row_id_of(mapping, cells), "0" * 64)
        cases.append(build_case(mapping, workflow, cells, mark, (ADMIN, engine.clock(), digest)))
    today = engine.clock().date().isoformat()
    start = time.perf_counter()
    for case in cases:
        events = case.collect_events()[:-1]
        opened = events[0]
        assert isinstance(opened, Case.Opened)
        role = sorted(workflow.opening.roles)[0]
        declared = {f.name for f in workflow.opening.fields}
        data = {k: v for k, v in opened.data.items() if k in declared}  # not the derived ones
        result = engine.open_case("ukraine-nrm", opened.region, data, actor=Actor("b", role, "a"))
        region = opened.region
        for event in events[1:]:
            assert isinstance(event, Case.StepTaken)
            spec = workflow.guard.step(result.state, event.trigger)
            assert spec is not None
            role = sorted(spec.roles)[0]
            # as the registry would have it: the police unit of the case's region is asked, and
            # each step is taken by the synthetic agency of its role there
            data = dict(event.data)
            for field in spec.fields:  # the register's dates precede the opening, dated today
                if field.type == "date" and data.get(field.name) is not None:
                    data[field.name] = today
            if "police_unit" in data:
                data["police_unit"] = acting_agency("police", region)
            actor = Actor("b", role, acting_agency(role, region))
            result = engine.take_step(
                result.case_id, event.trigger, data, actor=actor, expected_version=result.version
            )
    return len(cases) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=300)
    args = parser.parse_args()
    data, expected = synthetic_register(args.rows)
    register = read_register(data, "register.csv")
    with scratch_runtime(run_projections=False) as runtime:
        print(f"machine: {machine()}; database: {runtime.display_url}")
        engine = runtime.engine
        imports = Imports(engine.store, engine.workflows, engine.clock)
        start = time.perf_counter()
        report = imports.run(register, "ukraine-nrm", MAPPING.read_text(), actor=ADMIN)
        took = time.perf_counter() - start
        assert report.counts["imported"] == expected.good, report.counts
        rate = report.counts["imported"] / took
        events = engine.store.recorder.max_notification_id() or 0
        print(
            f"import of {args.rows:,} rows: {took:.1f} s, {rate:,.0f} cases/s "
            f"({events:,} events, {events / took:,.0f} events/s)"
        )
        start = time.perf_counter()
        again = imports.run(register, "ukraine-nrm", MAPPING.read_text(), actor=ADMIN)
        print(
            f"the same file again: {time.perf_counter() - start:.1f} s, "
            f"{again.counts['unchanged']:,} unchanged, {again.counts['imported']} imported"
        )
    with scratch_runtime(run_projections=False) as runtime:
        baseline = by_commands(runtime, list(register.rows[: args.sample]))
        print(f"baseline, one command at a time through the engine: {baseline:,.0f} cases/s")
    print(f"ratio import / commands: {rate / baseline:.1f}")
    verdict("import rate", rate, 1000, True, unit=" cases/s", digits=0)


if __name__ == "__main__":
    main()
    finish()
