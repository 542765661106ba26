"""The blind index on PostgreSQL: what it holds (keyed hashes, sealed values, no clear text),
search within need-to-know, erasure at once, a rebuild giving the same index, and a master key
rotation re-keying it."""

from __future__ import annotations

import subprocess

import pytest

from referral_engine.adapters.crypto import MasterKey
from referral_engine.bootstrap import Runtime, rotate_master
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from tests.factories import open_case

KHARKIV, KYIV, LVIV = "UA-63", "UA-32", "UA-46"
OLENA = {"person_name": "Олена Шевченко", "date_of_birth": "1995-04-12"}
SPELLINGS = ("Olena Shevchenko", "Olena Shevchenco", "шевченко олена", "SHEVCHENKO")
ADMIN = Actor("ops", "admin", "it")


def lsa(*regions: str) -> Scope:
    return Scope(frozenset(regions), "lsa_official", "lsa-x")


def found(runtime: Runtime, q: str, scope: Scope) -> list[str]:
    return [str(h.case_id) for h in runtime.search.find(q, scope)]


def test_every_spelling_finds_the_person_within_the_region_only(pg_runtime: Runtime) -> None:
    olena = open_case(pg_runtime.engine, KHARKIV, **OLENA).case_id
    other = open_case(pg_runtime.engine, KHARKIV, person_name="Ivan Petrenko").case_id
    pg_runtime.projections.catch_up()
    for q in SPELLINGS:
        hits = pg_runtime.search.find(q, lsa(KHARKIV))
        assert [h.case_id for h in hits][:1] == [olena], q
        assert hits[0].name == "Олена Шевченко" and hits[0].score > 0.8, (q, hits[0])
        assert other not in [h.case_id for h in hits], q
        assert found(pg_runtime, q, lsa(LVIV)) == [], q  # another region's user finds nothing
    by_birth = pg_runtime.search.find("Шевченко 12.04.1995", lsa(KHARKIV))
    assert by_birth[0].case_id == olena and by_birth[0].birth_date_matches


def test_the_index_holds_no_clear_text_and_an_erasure_empties_it_at_once(
    pg_runtime: Runtime,
) -> None:
    engine = pg_runtime.engine
    olena = open_case(engine, KHARKIV, **OLENA, contact="+380 50 123 45 67").case_id
    pg_runtime.projections.catch_up()
    assert found(pg_runtime, "0501234567", lsa(KHARKIV)) == [str(olena)]  # a local number
    dumped = _dump(pg_runtime)
    for spelling in ("Шевченко", "Shevchenko", "shevchenko", "Олена", "olena", "1995-04-12"):
        assert spelling.casefold() not in dumped.casefold(), spelling
    engine.erase_personal_data(olena, "the person asked", actor=ADMIN)
    for q in SPELLINGS:  # before the live worker has read the erasure
        assert found(pg_runtime, q, lsa(KHARKIV)) == [], q
    pg_runtime.projections.catch_up()
    assert found(pg_runtime, "Olena Shevchenko", lsa(KHARKIV)) == []
    pg_runtime.projections.rebuild("persons")
    assert found(pg_runtime, "Olena Shevchenko", lsa(KHARKIV)) == []


def test_a_corrected_name_replaces_the_old_one_and_a_rebuild_gives_the_same_index(
    pg_runtime: Runtime,
) -> None:
    engine = pg_runtime.engine
    olena = open_case(engine, KYIV, **OLENA).case_id
    open_case(engine, KYIV, person_name="Ірина Коваленко", date_of_birth="1990-01-02")
    pg_runtime.projections.catch_up()
    before = _rows(pg_runtime)
    pg_runtime.projections.rebuild("persons")
    assert _rows(pg_runtime) == before
    assert found(pg_runtime, "Iryna Kovalenko", lsa(KYIV)) != []
    assert found(pg_runtime, "Shevchenko", lsa(KYIV)) == [str(olena)]


def test_a_master_key_rotation_re_keys_the_index(pg_runtime: Runtime) -> None:
    olena = open_case(pg_runtime.engine, KYIV, **OLENA).case_id
    pg_runtime.projections.catch_up()
    before = _rows(pg_runtime)
    rotate_master(pg_runtime, MasterKey.generate())
    assert _rows(pg_runtime) != before  # every hash changed with the key
    assert found(pg_runtime, "Olena Shevchenko", lsa(KYIV)) == [str(olena)]


def _rows(runtime: Runtime) -> list[tuple[str, str, list[bytes]]]:
    return runtime.projections.reading(
        "persons",
        lambda conn, schema: [
            (str(c), f, [bytes(t) for t in terms])
            for c, f, terms in conn.execute(
                "select case_id, field, terms from person_values order by case_id, field"
            ).fetchall()
        ],
    )


def _dump(runtime: Runtime) -> str:
    """The test's schemas (the engine's and its read models') as pg_dump writes them."""
    done = subprocess.run(
        ["pg_dump", "--no-owner", "--schema", f"{runtime.settings.database_schema}*",
         runtime.database_url],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert "person_values" in done.stdout
    return done.stdout


@pytest.fixture(autouse=True)
def _has_pg_dump() -> None:
    if subprocess.run(["which", "pg_dump"], capture_output=True).returncode != 0:
        pytest.fail("pg_dump is needed (postgresql-client)")


def test_only_the_read_models_reading_persons_get_their_blind_values(pg_runtime: Runtime) -> None:
    """The blind values cost a case-key read per case: a read model that does not declare
    READS_PERSONS decodes without them (half the time of its rebuild), the persons index
    with them."""
    open_case(pg_runtime.engine, KHARKIV, **OLENA)
    p = pg_runtime.projections
    with p._connect() as conn:
        rows = p._fetch(conn, 0, 100)
    readers = [m for m in p.models.values() if m.persons]
    assert [m.name for m in readers] == ["persons"]
    for model in p.models.values():
        events = p._decoded(rows, [model])
        blind = [e.persons for e in events if e.persons]
        assert bool(blind) is model.persons, model.name
    together = p._decoded(rows, list(p.models.values()))  # a one-pass rebuild of them all
    assert any(e.persons for e in together)
    p.rebuild_many(list(p.models))
    assert found(pg_runtime, "Olena Shevchenko", lsa(KHARKIV))
