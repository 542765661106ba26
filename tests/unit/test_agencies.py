"""The agency registry's rules: every value checked, agreements only with registered agencies,
dates in order, no agreement recorded twice or ended twice; history replayable by version."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from referral_engine.application.agencies import Agencies
from referral_engine.bootstrap import build_agencies_in_memory
from referral_engine.domain.agencies import agency_id, valid_agreement
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import (
    AgencyExists,
    AgencyNotFound,
    AgreementConflict,
    AgreementNotFound,
    InvalidData,
)
from referral_engine.entrypoints.web.i18n import catalogue

ADMIN = Actor("admin", "admin", "it")
SHELTER = {"en": "Shelter Kyiv", "uk": "Притулок Київ"}


def paths(refused: pytest.ExceptionInfo[InvalidData]) -> set[str]:
    return {p.path for p in refused.value.problems}


@pytest.fixture
def registry() -> Agencies:
    found = build_agencies_in_memory()
    found.register(
        "shelter-kyiv", SHELTER, "ngo", ["accommodation", "legal_aid"], ["UA-32"], actor=ADMIN
    )
    found.register(
        "lsa-kyivska", {"en": "LSA Kyiv Oblast"}, "state_body", [], ["UA-32"], actor=ADMIN
    )
    return found


def agreement(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "2026-17",
        "with_agency": "lsa-kyivska",
        "services": ["accommodation"],
        "signed_on": "2026-01-15",
        "valid_until": "2027-01-14",
        "reference": "Model agreement, order 17",
    } | overrides


def test_an_agency_is_registered_under_the_uuid5_of_its_id(registry: Agencies) -> None:
    found = registry.get("shelter-kyiv")
    assert (found.name("uk"), found.name("de"), found.kind) == (
        "Притулок Київ",
        "Shelter Kyiv",
        "ngo",
    )
    assert registry.store.repository.get(agency_id("shelter-kyiv")).slug == "shelter-kyiv"
    with pytest.raises(AgencyExists):
        registry.register("shelter-kyiv", SHELTER, "ngo", [], ["UA-32"], actor=ADMIN)


def test_every_value_of_a_registration_is_checked(registry: Agencies) -> None:
    with pytest.raises(InvalidData) as refused:
        registry.register(
            "Shelter Kyiv", {"uk": "Притулок\u200b"}, "church", ["a b", "x"], ["Kyiv"], actor=ADMIN
        )
    assert paths(refused) == {"id", "names.en", "kind", "services[0]", "regions[0]"}
    with pytest.raises(InvalidData) as refused:
        registry.register(
            "ok-id", {"en": "A\u202eB", "de": "x"}, "ngo", ["a", "a"], [], actor=ADMIN
        )
    assert paths(refused) == {"names.en", "names.de", "services", "regions"}


def test_details_change_and_the_past_version_is_replayed(registry: Agencies) -> None:
    changed = registry.change("shelter-kyiv", actor=ADMIN, regions=["UA-32", "UA-46"])
    assert (changed.version, changed.regions, changed.kind) == (2, ("UA-32", "UA-46"), "ngo")
    assert registry.get("shelter-kyiv", version=1).regions == ("UA-32",)
    with pytest.raises(InvalidData):
        registry.change("shelter-kyiv", actor=ADMIN)
    with pytest.raises(AgencyNotFound):
        registry.change("shelter-lviv", actor=ADMIN, kind="ngo")


def test_lists_filter_by_kind_service_and_region(registry: Agencies) -> None:
    assert [a.slug for a in registry.listed()] == ["lsa-kyivska", "shelter-kyiv"]
    assert [a.slug for a in registry.listed(kind="ngo", service="legal_aid")] == ["shelter-kyiv"]
    assert registry.listed(region="UA-46") == []
    assert registry.close_matches("shelter-kiev") == ["shelter-kyiv"]


def test_an_agreement_is_valid_for_its_services_between_its_dates(registry: Agencies) -> None:
    found = registry.record_agreement("shelter-kyiv", agreement(), actor=ADMIN)
    assert valid_agreement(found, "lsa-kyivska", "accommodation", date(2026, 6, 1)) is not None
    assert valid_agreement(found, "lsa-kyivska", "legal_aid", date(2026, 6, 1)) is None
    assert valid_agreement(found, "lsa-kyivska", "accommodation", date(2027, 1, 15)) is None
    ended = registry.end_agreement("shelter-kyiv", "2026-17", "2026-07-01", "closed", actor=ADMIN)
    assert valid_agreement(ended, "lsa-kyivska", "accommodation", date(2026, 6, 30)) is not None
    assert valid_agreement(ended, "lsa-kyivska", "accommodation", date(2026, 7, 1)) is None
    with pytest.raises(AgreementConflict) as twice:
        registry.end_agreement("shelter-kyiv", "2026-17", "2026-07-02", "again", actor=ADMIN)
    assert twice.value.code == "ended"
    with pytest.raises(AgreementNotFound):
        registry.end_agreement("shelter-kyiv", "nope", "2026-07-02", "x", actor=ADMIN)
    kinds = [e.kind for e in registry.history("shelter-kyiv")]
    assert kinds == ["registered", "agreement_recorded", "agreement_ended"]


def test_an_agreement_is_checked_before_it_is_recorded(registry: Agencies) -> None:
    registry.record_agreement("shelter-kyiv", agreement(), actor=ADMIN)
    with pytest.raises(AgreementConflict) as again:
        registry.record_agreement("shelter-kyiv", agreement(), actor=ADMIN)
    assert again.value.code == "exists"
    bad = agreement(
        id="a/b", with_agency="police-lviv", services=[], signed_on="2026-02-30", reference="\x00"
    )
    with pytest.raises(InvalidData) as refused:
        registry.record_agreement("shelter-kyiv", bad, actor=ADMIN)
    assert paths(refused) == {"id", "with_agency", "services", "signed_on", "reference"}
    backwards = agreement(id="b", signed_on="2026-05-01", valid_until="2026-05-01")
    with pytest.raises(InvalidData) as refused:
        registry.record_agreement("shelter-kyiv", backwards, actor=ADMIN)
    assert paths(refused) == {"valid_until"}
    with pytest.raises(InvalidData) as refused:
        registry.record_agreement(
            "shelter-kyiv", agreement(id="c", with_agency="shelter-kyiv"), actor=ADMIN
        )
    assert paths(refused) == {"with_agency"}


def test_every_problem_the_registry_raises_has_ukrainian_words(registry: Agencies) -> None:
    codes: set[str] = set()
    attempts = [
        lambda: registry.register("A", {"de": "x"}, "church", ["a", "a"], [], actor=ADMIN),
        lambda: registry.record_agreement(
            "shelter-kyiv",
            agreement(id="x", signed_on="soon", with_agency="shelter-kyiv"),
            actor=ADMIN,
        ),
        lambda: registry.record_agreement(
            "shelter-kyiv", agreement(with_agency="nope", valid_until="2025-01-01"), actor=ADMIN
        ),
        lambda: registry.change("shelter-kyiv", actor=ADMIN, names={"en": "x" * 201}),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidData) as refused:
            attempt()
        codes |= {p.code for p in refused.value.problems}
    registry.record_agreement("shelter-kyiv", agreement(), actor=ADMIN)
    with pytest.raises(InvalidData) as early:
        registry.end_agreement("shelter-kyiv", "2026-17", "2025-01-01", "x", actor=ADMIN)
    codes |= {p.code for p in early.value.problems}
    assert {c for c in codes if f"explain.problem.{c}" not in catalogue("uk")} == set()
    assert {"unknown_agency", "same_agency", "not_after", "before_signed", "code"} <= codes
