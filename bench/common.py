"""Shared benchmark plumbing: a scratch schema on the embedded or configured PostgreSQL."""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg import sql

from referral_engine.adapters.crypto import (
    FINGERPRINT,
    ROW_DIGEST,
    SEALED,
    MasterKey,
    Sealer,
    is_sealed,
)
from referral_engine.adapters.database import EmbeddedPostgres
from referral_engine.application import demo, demo_agencies
from referral_engine.bootstrap import Runtime, build, build_in_memory
from referral_engine.config import Settings


@dataclass(frozen=True)
class Verdict:
    """One figure of a benchmark against its target (issue #22's table and the others')."""

    name: str
    value: float
    target: float
    higher_is_better: bool
    unit: str = ""
    digits: int = 2

    @property
    def passed(self) -> bool:
        """At least the target where more is better, under it where less is."""
        if self.higher_is_better:
            return self.value >= self.target
        return self.value < self.target

    @property
    def word(self) -> str:
        return "PASS" if self.passed else "MISS"

    def line(self) -> str:
        sign = ">=" if self.higher_is_better else "<"
        value, target = f"{self.value:,.{self.digits}f}", f"{self.target:,.{self.digits}f}"
        return f"{self.name}: {value}{self.unit} (target {sign} {target}{self.unit}): {self.word}"


VERDICTS: list[Verdict] = []
"""Every figure this process judged, in order (`finish` sums them up)."""


def verdict(
    name: str,
    value: float,
    target: float,
    higher_is_better: bool,
    *,
    unit: str = "",
    digits: int = 2,
) -> Verdict:
    """Judge one figure against its target and print it with PASS or MISS. A MISS is also
    appended to the file named by BENCH_MISSES (how `make bench` sums up every benchmark)."""
    found = Verdict(name, value, target, higher_is_better, unit, digits)
    VERDICTS.append(found)
    print(found.line(), flush=True)
    misses = os.environ.get("BENCH_MISSES")
    if misses and not found.passed:
        script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "bench"
        with open(misses, "a", encoding="utf-8") as out:
            out.write(f"{script}: {found.line()}\n")
    return found


def finish() -> None:
    """End a benchmark: sum up its misses and exit 1 if there was any."""
    missed = [v for v in VERDICTS if not v.passed]
    print(f"{len(VERDICTS) - len(missed)} of {len(VERDICTS)} figures met their target", flush=True)
    if missed:
        for one in missed:
            print(f"  {one.line()}")
        sys.exit(1)


@dataclass
class Tracked:
    """A case a load loop steps on, with the version its next step is decided on."""

    id: uuid.UUID
    version: int


@contextmanager
def scratch_runtime(**overrides: Any) -> Iterator[Runtime]:
    """A runtime on a fresh schema (dropped afterwards) of the configured or embedded server."""
    url = os.environ.get("REFERRAL_ENGINE_DATABASE_URL")
    embedded = None
    if url is None:
        embedded = EmbeddedPostgres(Settings().home)
        url = embedded.url()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    overrides.setdefault(
        "master_key", os.environ.get("REFERRAL_ENGINE_MASTER_KEY") or MasterKey.generate().text()
    )
    settings = Settings(database_url=url, database_schema=schema, **overrides)
    try:
        with build(settings) as runtime:
            # the synthetic registry the demo registers: the benchmarks' referrals and requests
            # name its agencies (ukraine-nrm 5 refuses an unregistered one)
            demo_agencies.register(runtime.agencies)
            yield runtime
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for (name,) in conn.execute(
                "select nspname from pg_namespace where nspname = %s or nspname like %s",
                [schema, schema + "\\_\\_%"],
            ).fetchall():
                conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(name)))
        if embedded is not None:
            embedded.stop()


def process_env(runtime: Runtime, **extra: str) -> dict[str, str]:
    """The environment for a `referral-engine` process on the benchmark's schema."""
    key = runtime.settings.master_key
    return {
        **os.environ,
        "REFERRAL_ENGINE_DATABASE_URL": runtime.database_url,
        "REFERRAL_ENGINE_DATABASE_SCHEMA": runtime.settings.database_schema,
        "REFERRAL_ENGINE_MASTER_KEY": key.get_secret_value() if key else "",
        **extra,
    }


def seed_events(runtime: Runtime, target: int, templates: int = 120, seed: int = 1) -> int:
    """Fill the events table with at least `target` events: synthetic cases walked through the
    workflow in memory, then replicated under new case ids and regions with COPY. Each copy
    has a case key of its own, and its personal values are sealed again with it, as the
    engine would have stored them (a read model opening them pays what it would in use)."""
    engine = build_in_memory()
    demo.seed(engine, "ukraine-nrm", templates, seed=seed)
    stored = engine.store.recorder.select_notifications(start=1, limit=10**9)
    by_case: dict[uuid.UUID | str, list[Any]] = {}
    for note in stored:
        by_case.setdefault(note.originator_id, []).append(note)
    keys = {case_id: engine.store.keys.key(uuid.UUID(str(case_id))) for case_id in by_case}
    regions = [r.encode() for r in demo.REGIONS]
    rng = random.Random(seed)
    events = sql.Identifier(runtime.settings.database_schema, "cases_events")
    written = 0
    with psycopg.connect(runtime.database_url) as conn:
        copy_sql = sql.SQL(
            "copy {} (originator_id, originator_version, topic, state) from stdin"
        ).format(events)
        with conn.cursor().copy(copy_sql) as copy:
            while written < target:
                copies = [(case_id, uuid.uuid4()) for case_id in by_case]
                # the copies' keys in one transaction (their templates' erased ones have none)
                runtime.engine.store.keys.prepare([new for old, new in copies if keys[old]])
                for case_id, new_id in copies:
                    old, region = uuid.UUID(str(case_id)), rng.choice(regions)
                    new_key = runtime.engine.store.keys.key(new_id) if keys[case_id] else None
                    for note in by_case[case_id]:
                        state = _with_region(note.state, region)
                        if new_key is not None and SEALED.encode() in state:
                            state = _resealed(state, (keys[case_id], old), (new_key, new_id))
                        copy.write_row((new_id, note.originator_version, note.topic, state))
                    written += len(by_case[case_id])
        conn.commit()
        conn.execute(sql.SQL("analyze {}").format(events))
        conn.commit()
    return written


def _resealed(state: bytes, old: tuple[Any, uuid.UUID], new: tuple[bytes, uuid.UUID]) -> bytes:
    """An event's stored state with its sealed values opened with the template's case key and
    sealed again with the copy's (the case id is bound into each sealed value)."""
    d = orjson.loads(state)

    def again(name: str, value: Any) -> Any:
        if not is_sealed(value):
            return value
        return Sealer.seal(new[0], new[1], name, Sealer.open(old[0], old[1], name, value))

    if type(d.get("data")) is dict:
        d["data"] = {k: again(k, v) for k, v in d["data"].items()}
    for field, name in (("fingerprint", FINGERPRINT), ("row_digest", ROW_DIGEST)):
        if field in d:
            d[field] = again(name, d[field])
    return orjson.dumps(d)


def _with_region(state: bytes, region: bytes) -> bytes:
    start = state.index(b'"region":"') + len(b'"region":"')
    end = state.index(b'"', start)
    return state[:start] + region + state[end:]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def machine() -> str:
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
