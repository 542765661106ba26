"""Webhooks, the pure part and the payload: backoff with jitter and a cap, what a URL, a secret
and event types may be, stable ids, and need-to-know in each event shown (as the pages decide
it), on the in-memory store."""

from __future__ import annotations

import shutil
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from referral_engine.application.engine import Engine
from referral_engine.application.event_feed import event_types, shown
from referral_engine.bootstrap import build_in_memory
from referral_engine.config import Settings
from referral_engine.domain.access import Scope
from referral_engine.domain.commands import Actor
from referral_engine.domain.errors import CaseNotFound, InvalidData
from referral_engine.domain.personal import Disclosure
from referral_engine.domain.webhooks import (
    Audience,
    Subscription,
    address_problem,
    check_secret,
    check_types,
    check_url,
    event_id,
    message_id,
    retry_delay,
    secret_text,
)
from tests.factories import (
    ACTORS_BY_ROLE,
    CLINIC,
    LSA,
    START,
    UKRAINE,
    WORKFLOWS,
    FixedClock,
    case_in,
    engine_on_version,
    referral_step,
    send_referral,
    step,
    with_papers,
)
from tests.unit.test_backdating import confirm, rg_decided, rg_version

NAME = "Synthetic Hookperson Qzxv"
NOT_PERMITTED = {"redacted": "not-permitted"}
ALLOWED_NETWORKS = "REFERRAL_ENGINE_WEBHOOK_ALLOWED_NETWORKS"


def test_the_wait_doubles_with_each_failure_up_to_the_cap_with_jitter() -> None:
    lowest = [retry_delay(n, 1.0, 60.0, 0.0) for n in range(1, 10)]
    highest = [retry_delay(n, 1.0, 60.0, 0.999999) for n in range(1, 10)]
    assert lowest[:4] == [0.5, 1.0, 2.0, 4.0]
    assert highest[:4] == pytest.approx([1.0, 2.0, 4.0, 8.0], rel=1e-5)
    assert max(highest) <= 60.0 and highest[-1] == pytest.approx(60.0, rel=1e-5)
    assert retry_delay(10_000, 1.0, 60.0, 0.5) == 45.0  # no overflow after many failures
    with pytest.raises(ValueError, match="count from 1"):
        retry_delay(0, 1.0, 60.0, 0.5)


LOOPBACK = (ip_network("127.0.0.0/8"),)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://agency.example/nrm?x=1", ()),
        ("HTTPS://A.EXAMPLE", ()),
        ("https://соцзахист.укр/hook", ()),
        ("http://93.184.215.14:8080/hook", ()),
        ("http://127.0.0.1:8080/hook", LOOPBACK),
        ("http://localhost:8080/hook", LOOPBACK),
    ],
)
def test_an_http_or_https_url_with_a_host_is_accepted(url: str, allowed: Any) -> None:
    assert check_url(url, allowed) == url


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("ftp://agency.example/hook", "http:// or https://"),
        ("https://user:pw@agency.example/hook", "user name or password"),
        ("https://token@agency.example/", "user name or password"),
        ("https:///hook", "host"),
        ("https://agency.example/hook#part", "fragment"),
        ("https://agency.example:port/", "not a valid URL"),
        ("https://agency.example/\u202ehook", "control or invisible"),
        ("https://agency.example/ hook", "spaces"),
        ("", "1 to 2000"),
        ("https://agency.example:0/hook", "port from 1 to 65535"),
        ("https://agency..example/hook", "valid host"),
        ("https://-agency.example/hook", "valid host"),
        ("http://127.0.0.1:8080/hook", ALLOWED_NETWORKS),
        ("http://localhost/hook", ALLOWED_NETWORKS),
        ("http://[::ffff:10.0.0.1]/hook", ALLOWED_NETWORKS),
        ("http://192.168.1.10/hook", ALLOWED_NETWORKS),
        ("http://2130706433/hook", "four decimal numbers"),  # 127.0.0.1 to a resolver
        ("http://0x7f.1/hook", "four decimal numbers"),
        ("http://169.254.169.254/latest/meta-data/", "never a receiver"),
        ("http://[fe80::1]/hook", "never a receiver"),
        ("http://0.0.0.0:8080/hook", "never a receiver"),
    ],
)
def test_a_url_another_scheme_credentials_or_odd_characters_is_refused(url: str, said: str) -> None:
    with pytest.raises(InvalidData, match=said) as refused:
        check_url(url)
    assert refused.value.problems[0].path == "url"


def test_link_local_and_metadata_addresses_are_refused_even_in_an_allowed_network() -> None:
    every = (ip_network("0.0.0.0/0"), ip_network("::/0"))
    for url in ("http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://[fe80::1]/"):
        with pytest.raises(InvalidData, match="never a receiver"):
            check_url(url, every)
    assert address_problem(ip_address("10.1.2.3"), every) is None


def test_a_secret_is_whsec_and_24_to_64_bytes_in_base64() -> None:
    raw = bytes(range(32))
    assert check_secret(secret_text(raw)) == raw
    for bad in ("whsec_" + secret_text(b"x" * 23)[6:], "secret", "whsec_!!!", secret_text(raw)[6:]):
        with pytest.raises(InvalidData, match="whsec_"):
            check_secret(bad)


def test_event_types_must_be_known_and_close_ones_are_named() -> None:
    known = {"ReferralSent", "ReferralAccepted", "PersonScreened"}
    assert check_types(["ReferralSent", "PersonScreened", "ReferralSent"], known) == (
        "PersonScreened",
        "ReferralSent",
    )
    with pytest.raises(InvalidData, match="close: ReferralSent") as refused:
        check_types(["PersonScreened", "RefferalSent"], known)
    assert refused.value.problems[0].path == "events[1]"


def test_ids_are_stable_per_event_and_subscription() -> None:
    case, one, two = uuid4(), uuid4(), uuid4()
    assert event_id(case, 3) == event_id(case, 3) != event_id(case, 4)
    assert message_id(one, event_id(case, 3)) == message_id(one, event_id(case, 3))
    assert message_id(one, event_id(case, 3)) != message_id(two, event_id(case, 3))


def story(engine: Engine) -> UUID:
    """A Kyiv case referred to shelter-kyiv, which accepts and delivers; the LSA records the
    person's feedback on it (notes only caseworkers may read)."""
    case_id = case_in(engine, "application_registered", person_name=NAME)
    send_referral(engine, case_id)
    referral_step(engine, case_id, "r1", "accept")
    referral_step(engine, case_id, "r1", "deliver_assistance", assistance_notes="Synthetic notes")
    referral_step(engine, case_id, "r1", "record_feedback", actor=LSA, feedback_notes="Private")
    return case_id


def agency(slug: str, role: str, region: str = "UA-32") -> Audience:
    return Audience.of_agency(slug, role, [region])


def every(engine: Engine, case_id: UUID, audience: Audience) -> list[Any]:
    events = list(engine.store.events.get(case_id))
    versions = {e.originator_version for e in events}
    return [
        e.payload() for _, e in sorted(shown(events, versions, audience, engine.workflows).items())
    ]


def test_each_audience_gets_the_events_and_fields_its_need_to_know_allows(engine: Engine) -> None:
    case_id = story(engine)
    lsa = every(engine, case_id, agency("lsa-kyivska", "lsa_official"))
    shelter = every(engine, case_id, agency("shelter-kyiv", "service_provider"))
    clinic = every(engine, case_id, agency("clinic-kyiv", "service_provider"))
    lviv = every(engine, case_id, agency("lsa-lvivska", "lsa_official", "UA-46"))
    portal = every(engine, case_id, Audience.of_integration(None))

    assert len(lsa) == len(portal) == engine.case(case_id).version
    assert lsa[0]["type"] == "PersonScreened" and lsa[0]["data"]["fields"]["person_name"] == NAME
    assert clinic == [] and lviv == []
    assert {e["data"]["referral_id"] for e in shelter} == {"r1"}
    assert [e["type"] for e in shelter] == [
        "ReferralSent",
        "ReferralAccepted",
        "AssistanceDelivered",
        "AssistanceFeedbackRecorded",
    ]
    feedback = shelter[-1]["data"]["fields"]
    assert feedback["feedback_notes"] == NOT_PERMITTED  # caseworkers' notes, not the agency's
    assert shelter[2]["data"]["fields"]["assistance_notes"] == "Synthetic notes"
    assert NAME not in str(shelter)
    for e in portal:  # an integration: every event, never a personal value
        personal = engine.workflows.get(e["data"]["case"]["workflow"]).personal
        for name in set(e["data"]["fields"]) & set(personal):
            assert e["data"]["fields"][name] == NOT_PERMITTED
    assert NAME not in str(portal) and "Synthetic notes" not in str(portal)
    assert lsa[-1]["data"]["actor"] == {"role": "lsa_official", "agency": LSA.agency}


def test_an_erased_case_shows_no_personal_value_to_anyone(engine: Engine) -> None:
    case_id = story(engine)
    engine.erase_personal_data(case_id, "GDPR Art. 17, request 5", actor=LSA)
    lsa = every(engine, case_id, agency("lsa-kyivska", "lsa_official"))
    assert NAME not in str(lsa) and "Synthetic notes" not in str(lsa)
    assert lsa[0]["data"]["fields"]["person_name"] == {"redacted": "erased"}
    assert lsa[-1]["type"] == "PersonalDataErased"


def test_every_event_name_of_the_loaded_workflows_is_a_public_type(engine: Engine) -> None:
    types = event_types(engine.workflows)
    assert {"PersonScreened", "ReferralSent", "PersonalDataErased", "WorkflowMigrated"} <= types


def test_an_erasure_is_for_every_subscription_whatever_types_it_asked_for() -> None:
    only = Subscription(
        uuid4(),
        "agency",
        "shelter-kyiv",
        "service_provider",
        ("UA-32",),
        "",
        ("ReferralSent",),
        START,
        "admin",
    )
    assert only.wants("ReferralSent", "UA-32") and not only.wants("ReferralAccepted", "UA-32")
    assert only.wants("PersonalDataErased", None)


def test_an_agency_that_got_personal_values_of_a_case_gets_its_erasure(engine: Engine) -> None:
    case_id = story(engine)  # the shelter got its referral's notes
    engine.erase_personal_data(case_id, "GDPR Art. 17, request 6", actor=LSA)
    shelter = every(engine, case_id, agency("shelter-kyiv", "service_provider"))
    clinic = every(engine, case_id, agency("clinic-kyiv", "service_provider"))
    assert shelter[-1]["type"] == "PersonalDataErased" and shelter[-1]["data"]["fields"] == {}
    assert clinic == []  # never reached the case: not told of it either


def test_a_later_workflow_version_narrowing_who_reads_a_field_narrows_the_events_shown(
    tmp_path: Path, clock: FixedClock
) -> None:
    for path in WORKFLOWS.glob("ukraine-nrm*.yaml"):
        shutil.copy(path, tmp_path)
    (tmp_path / "ukraine-nrm-v5.yaml").write_text(
        "extends: ukraine-nrm@4\nid: ukraine-nrm\nversion: 5\nmigration: {from_version: 4}\n"
        "personal_data: {readers: [nrm_actor, lsa_official, police, decision_maker, supervisor]}\n"
    )
    engine = build_in_memory(Settings(workflows_dir=with_papers(tmp_path)), clock=clock)
    case_id = story(engine_on_version(engine, UKRAINE, 4))
    shelter = agency("shelter-kyiv", "service_provider")
    notes = [e for e in every(engine, case_id, shelter) if e["type"] == "AssistanceDelivered"]
    assert notes[0]["data"]["fields"]["assistance_notes"] == "Synthetic notes"  # under v4
    engine.migrate_cases(UKRAINE, 4, 5, actor=Actor("ops", "admin", "it"))
    shown = every(engine, case_id, shelter)  # the pages now refuse it: so do the events
    notes = [e for e in shown if e["type"] == "AssistanceDelivered"]
    assert notes[0]["data"]["fields"]["assistance_notes"] == NOT_PERMITTED
    assert notes[0]["data"]["case"]["workflow_version"] == 4  # the version it was recorded under


READERS = [
    *ACTORS_BY_ROLE.values(),
    CLINIC,
    Actor("olha.lviv", "lsa_official", "lsa-lvivska"),
    Actor("ops", "admin", "it"),
    Actor("another.police", "police", "police-lvivska"),
]


def test_no_reader_gets_from_the_events_more_than_the_case_history_shows_them(
    engine: Engine,
) -> None:
    case_id = story(engine)
    step(engine, case_id, "record_consent", actor=LSA)  # a case step after the referral
    engine.erase_personal_data(case_id, "GDPR Art. 17, request 7", actor=LSA)
    for reader in READERS:
        scope = Scope(frozenset({"UA-32"}), reader.role, reader.agency)
        events = every(engine, case_id, Audience(scope, reader.role))
        try:
            found = engine.case_history(case_id, scope=scope)
        except CaseNotFound:
            assert events == [], reader
            continue
        disclose = Disclosure(found.workflow.personal, reader.role)
        page = {e.version: e for e in disclose.history(found.entries)}
        for event in events:
            if event["type"] == "PersonalDataErased":  # no data: told to every reader of the case
                assert event["data"]["fields"] == {}, reader
                continue
            entry = page[event["data"]["case"]["version"]]  # what the history shows them
            shown = (event["type"], event["data"]["fields"])
            assert shown == (entry.event, entry.data), reader


def test_an_integration_gets_no_free_text_the_engine_recorded_either(
    engine: Engine, clock: FixedClock
) -> None:
    case_id = rg_decided(engine, clock, days_ago=35)  # backdated, then confirmed with a reason
    confirm(engine, case_id, rg_version(engine, case_id), reason="Told by Synthetic Qzxv")
    integration = every(engine, case_id, Audience.of_integration(None))
    caseworkers = every(engine, case_id, Audience.of_agency("sca", "supervisor", ["GB-ENG"]))
    assert integration[-1]["type"] == caseworkers[-1]["type"] == "StatedDateConfirmed"
    assert integration[-1]["data"]["fields"]["reason"] == NOT_PERMITTED
    assert caseworkers[-1]["data"]["fields"]["reason"] == "Told by Synthetic Qzxv"
