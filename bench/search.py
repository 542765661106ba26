"""Person search benchmark: the blind index over 100,000 synthetic cases (about 1,000,000 events).

Seeds synthetic cases walked through the workflow in memory, replicated under new case ids,
regions, names (synthetic Ukrainian-looking names, in Cyrillic or Latin letters) and dates of
birth, each with a case key of its own (the personal values sealed again with it, as the store
would). Then prints, measured in the same run:

- the raw scan of the events table (the baseline) and the persons read model's rebuild, with
  their ratio (it opens every sealed name to hash its terms);
- search latency (p50, p95) through `Runtime.search` (parse, hash, index, open, rank) for 200
  queries: exact names, one-typo spellings, the other script, a surname alone, with a date of
  birth; as a user of one region and of all; against the baseline of one raw psycopg look-up of
  a single hashed term in the same GIN index. Target: p95 < 50 ms.

    .venv/bin/python bench/search.py [--cases N]
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))
from common import finish, machine, scratch_runtime, timed, verdict
from rebuild import raw_scan
from referral_engine.adapters.case_keys import PostgresCaseKeys
from referral_engine.adapters.crypto import SEALED, Sealer
from referral_engine.application import demo
from referral_engine.bootstrap import Runtime, build_in_memory
from referral_engine.domain.access import Scope
from referral_engine.domain.transliteration import words

FIRST = ("Олена", "Ірина", "Оксана", "Наталія", "Юлія", "Тетяна", "Марія", "Світлана",
         "Галина", "Людмила", "Катерина", "Анна", "Вікторія", "Ольга", "Лариса", "Надія",
         "Андрій", "Богдан", "Тарас", "Микола", "Юрій", "Олег", "Євген", "Іван", "Сергій",
         "Василь", "Дмитро", "Олександр", "Петро", "Ярослав")  # fmt: skip
LAST = ("Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Шевчук",
        "Поліщук", "Бойко", "Мельник", "Лисенко", "Руденко", "Савченко", "Петренко", "Марченко",
        "Мороз", "Павленко", "Кузьменко", "Клименко", "Левченко", "Гончаренко", "Ковальчук",
        "Харченко", "Карпенко", "Литвиненко", "Сидоренко", "Гаврилюк", "Романюк", "Мазур",
        "Щербак", "Зінченко", "Тимошенко", "Приходько", "Костенко", "Захарченко", "Пономаренко",
        "Яковенко", "Іваненко", "Кушнір", "Гуменюк", "Дмитренко", "Чорновол", "Федоренко",
        "Юрченко", "Симоненко", "Степаненко", "Власенко", "Нестеренко", "Тарасенко",
        "Остапенко")  # fmt: skip
PERSONAL = ("person_name", "date_of_birth")


def synthetic_name(rng: random.Random) -> str:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}-{rng.choice(LAST)}"
    # a double surname widens the space to about 75,000 persons; a third are written in Latin
    return " ".join(words(name)).title() if rng.random() < 0.33 else name


def seed(runtime: Runtime, cases: int, rng: random.Random) -> tuple[int, list[tuple[str, str]]]:
    """`cases` synthetic cases with keys of their own; returns the events written and a sample
    of (name, date of birth) recorded, to search for."""
    memory = build_in_memory()
    templates = demo.seed(memory, "ukraine-nrm", 60, seed=7)
    notes = memory.store.recorder.select_notifications(start=1, limit=10**9)
    by_case: dict[Any, list[Any]] = {}
    for note in notes:
        by_case.setdefault(note.originator_id, []).append(note)
    old_keys = memory.store.keys
    keys = runtime.engine.store.keys
    assert isinstance(keys, PostgresCaseKeys)
    schema = runtime.settings.database_schema
    events, key_table = sql.Identifier(schema, "cases_events"), sql.Identifier(schema, "case_keys")
    sample: list[tuple[str, str]] = []
    written = 0
    with psycopg.connect(runtime.database_url) as conn:
        with conn.cursor() as cur:
            copy_events = sql.SQL(
                "copy {} (originator_id, originator_version, topic, state) from stdin"
            ).format(events)
            with cur.copy(copy_events) as copy:
                fresh: list[tuple[uuid.UUID, bytes]] = []
                for n in range(cases):
                    template = templates[n % len(templates)]
                    case_id, key = uuid.uuid4(), AESGCM.generate_key(bit_length=256)
                    fresh.append((case_id, key))
                    person = {
                        "person_name": synthetic_name(rng),
                        "date_of_birth": f"{rng.randint(1960, 2007)}-{rng.randint(1, 12):02d}-"
                        f"{rng.randint(1, 28):02d}",
                    }
                    if len(sample) < 400 and rng.random() < 0.01:
                        sample.append((person["person_name"], person["date_of_birth"]))
                    region = rng.choice(demo.REGIONS)
                    for note in by_case[template]:
                        state = _resealed(note.state, template, old_keys.key(template), case_id,
                                          key, person, region)  # fmt: skip
                        copy.write_row((case_id, note.originator_version, note.topic, state))
                        written += 1
            with cur.copy(
                sql.SQL("copy {} (case_id, wrapped, master_id) from stdin").format(key_table)
            ) as copy:
                for case_id, key in fresh:
                    copy.write_row((case_id, keys.master.wrap(case_id, key), keys.master.id))
        conn.commit()
        conn.execute(sql.SQL("analyze {}").format(events))
        conn.commit()
    return written, sample


def _resealed(
    state: bytes,
    old_id: Any,
    old_key: bytes | None,
    case_id: uuid.UUID,
    key: bytes,
    person: dict[str, str],
    region: str,
) -> bytes:
    """The stored event as if recorded on `case_id`: its region, this person, sealed again."""
    d = orjson.loads(state)
    if "region" in d:
        d["region"] = region
    data = d.get("data")
    if isinstance(data, dict):
        for name, value in list(data.items()):
            if isinstance(value, dict) and SEALED in value:
                clear = person.get(name) or Sealer.open(old_key, old_id, name, value)
                data[name] = Sealer.seal(key, case_id, name, clear)
    for name in ("fingerprint", "row_digest"):
        value = d.get(name)
        if isinstance(value, dict) and SEALED in value:
            field = "\0" + name
            d[name] = Sealer.seal(key, case_id, field, Sealer.open(old_key, old_id, field, value))
    return orjson.dumps(d)


def queries(sample: list[tuple[str, str]], rng: random.Random, n: int) -> list[str]:
    """Searches a caseworker would type: exact, one typo, the other script, surname alone,
    with the date of birth."""
    found = []
    for i in range(n):
        name, born = sample[i % len(sample)]
        latin = " ".join(words(name))
        kind = i % 5
        if kind == 0:
            found.append(name)
        elif kind == 1:
            at = rng.randrange(1, len(latin) - 1)
            found.append(latin[:at] + latin[at + 1 :])  # a letter left out
        elif kind == 2:
            found.append(" ".join(reversed(latin.split())).upper())
        elif kind == 3:
            found.append(name.split()[-1])
        else:
            y, m, d = born.split("-")
            found.append(f"{name.split()[-1]} {d}.{m}.{y}")
    return found


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(2026)
    with scratch_runtime(run_projections=False) as runtime:
        print(f"machine: {machine()}; database: {runtime.display_url}")
        seconds, (written, sample) = timed(lambda: seed(runtime, args.cases, rng))
        print(f"seeded {args.cases:,} cases, {written:,} events in {seconds:.1f} s")
        raw_seconds, rows = min(timed(lambda: raw_scan(runtime)) for _ in range(3))
        raw_rate = rows / raw_seconds
        print(f"baseline raw scan (best of 3): {rows:,} rows = {raw_rate:,.0f} rows/s")
        seconds, _ = timed(lambda: runtime.projections.rebuild("persons"))
        rate = rows / seconds
        print(f"rebuild persons (blind index) {seconds:.2f} s = {rate:,.0f} events/s  "
              f"ratio {rate / raw_rate:.2f}")  # fmt: skip
        texts = queries(sample, rng, args.queries)
        one_region = Scope(frozenset({demo.REGIONS[0]}), "lsa_official", "lsa-x")
        everywhere = Scope(None, "supervisor", "msp")
        search = runtime.search
        for text in texts[:10]:  # warm the pools and caches
            search.find(text, everywhere)
        latencies: list[float] = []
        empty = 0
        for i, text in enumerate(texts):
            scope = everywhere if i % 2 else one_region
            seconds, hits = timed(partial(search.find, text, scope))
            latencies.append(seconds)
            empty += not hits and scope is everywhere
        term = next(iter(search.blind.hashes([f"n:{words(sample[0][0])[-1]}"])))
        base = []
        for _ in range(args.queries):
            seconds, _ = timed(lambda: _raw_lookup(runtime, term))
            base.append(seconds)
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        b95 = percentile(base, 0.95)
        print(f"search over {args.cases:,} cases: p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
              f"all-region searches finding nobody: {empty}")  # fmt: skip
        verdict(f"search p95 over {args.cases:,} cases", p95, 50, False, unit=" ms", digits=1)
        print(f"baseline one raw GIN look-up of a term: p95 {b95:.2f} ms; "
              f"search / raw look-up at p95: {p95 / b95:.1f}x")  # fmt: skip


def _raw_lookup(runtime: Runtime, term: bytes) -> list[Any]:
    def run(conn: psycopg.Connection[Any], schema: str) -> list[Any]:
        return conn.execute(
            "select case_id from person_values where terms @> array[%s::bytea] limit 60", [term]
        ).fetchall()

    return runtime.projections.reading("persons", run)


if __name__ == "__main__":
    main()
    finish()
