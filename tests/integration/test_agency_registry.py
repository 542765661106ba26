"""The agency registry on PostgreSQL: its events in their own table (never the cases'), its
history replayed as of any version, and a fresh runtime (another process) reading it back."""

from __future__ import annotations

import psycopg
from psycopg import sql

from referral_engine.bootstrap import Runtime, build
from referral_engine.domain.commands import Actor

ADMIN = Actor("admin", "admin", "it")


def test_the_registry_is_kept_apart_and_read_back_by_a_fresh_runtime(pg_runtime: Runtime) -> None:
    pg_runtime.open_agencies.seed = None  # a registry of this test's own making
    registry = pg_runtime.agencies
    registry.register("lsa-kyivska", {"en": "LSA Kyiv"}, "state_body", [], ["UA-32"], actor=ADMIN)
    registry.register(
        "shelter-kyiv",
        {"en": "Shelter Kyiv", "uk": "Притулок Київ"},
        "ngo",
        ["shelter"],
        ["UA-32"],
        actor=ADMIN,
    )
    registry.change("shelter-kyiv", actor=ADMIN, services=["shelter", "legal_aid"])
    agreement = {
        "id": "2026-17",
        "with_agency": "lsa-kyivska",
        "services": ["shelter"],
        "signed_on": "2026-01-15",
        "valid_until": None,
        "reference": "Order 17",
    }
    registry.record_agreement("shelter-kyiv", agreement, actor=ADMIN)
    registry.end_agreement("shelter-kyiv", "2026-17", "2026-06-30", "Merged", actor=ADMIN)

    settings = pg_runtime.settings
    counted = {}
    with psycopg.connect(pg_runtime.database_url) as conn:
        for table in ("agencies_events", "cases_events"):
            name = sql.Identifier(settings.database_schema, table)
            counted[table] = conn.execute(
                sql.SQL("select count(*) from {}").format(name)
            ).fetchone()
    assert counted == {"agencies_events": (5,), "cases_events": (0,)}

    with build(settings) as fresh:
        found = fresh.agencies.get("shelter-kyiv")
        assert (found.version, found.services) == (4, ("shelter", "legal_aid"))
        assert found.agreements["2026-17"].end_reason == "Merged"
        assert fresh.agencies.get("shelter-kyiv", version=1).services == ("shelter",)
        assert fresh.agencies.get("shelter-kyiv", version=3).agreements["2026-17"].ended_on is None
        kinds = [e.kind for e in fresh.agencies.history("shelter-kyiv")]
        assert kinds == ["registered", "details_changed", "agreement_recorded", "agreement_ended"]
        assert [a.slug for a in fresh.agencies.listed(service="legal_aid")] == ["shelter-kyiv"]
