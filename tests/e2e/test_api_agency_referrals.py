"""Agencies of the registry through HTTP and the command line (issue #17, items 1, 2 and 4): an
unknown agency is a 422 naming those that fit, a missing agreement a 409 naming it, only the
police unit asked records its answer; the case page offers only fitting agencies, by name, and
explains a refusal in English and Ukrainian; `users add` refuses an unknown agency."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.config import Settings
from referral_engine.domain.commands import Actor
from referral_engine.entrypoints.web.i18n import LANG_COOKIE
from tests.e2e.conftest import (
    KYIV,
    Callers,
    assert_problem,
    case_in,
    history,
    send_referral,
    step_data,
    take_step,
)
from tests.e2e.pages import post_form, sign_in, step_page
from tests.e2e.test_cli import cli, pg_env

ADMIN = Actor("ops", "admin", "msp")


def test_unknown_agencies_and_missing_agreements_are_refused_saying_what_fits(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    lsa = callers["lsa"]

    unknown = assert_problem(send_referral(client, lsa, case_id, version, "shelter-kyv"), 422,
                             "agency-unsuitable")  # fmt: skip
    names = {"en": "New Shelter (synthetic)", "uk": "Новий притулок (синтетичний)"}
    pg_runtime.agencies.register("shelter-new", names, "ngo", ["shelter"], [KYIV], actor=ADMIN)
    missing = assert_problem(send_referral(client, lsa, case_id, version, "shelter-new"), 409,
                             "agreement-missing")  # fmt: skip

    assert (unknown["field"], unknown["agency"], unknown["reason"]) == (
        "agency",
        "shelter-kyv",
        "unknown",
    )
    assert unknown["close_matches"][0] == "shelter-kyiv"
    fits = [c["id"] for c in unknown["candidates"]]
    assert fits == ["shelter-kyiv", "ngo-synthetic"]  # a shelter in Kyiv Oblast; close first
    assert unknown["candidates"][0]["names"]["en"] == "Kyiv Shelter for Survivors (synthetic)"
    assert missing["agreement_missing"] == {
        "agency": "shelter-new",
        "with": "region_state_body",
        "parties": ["lsa-kyivska", "msp"],
        "service": "shelter",
        "on": "2026-03-02",
        "region": KYIV,
    }
    assert {a["id"]: a["names"]["en"] for a in missing["agencies"]}["shelter-new"] == names["en"]
    assert len(history(client, lsa, case_id)) == version  # nothing written


def test_only_the_police_unit_asked_records_its_answer(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    callers.add(pg_runtime, "other-police", "police", "police-lvivska", [KYIV])
    case_id, version = case_in(client, callers, "awaiting_verification")
    answer = step_data("record_verification")

    by_lsa = take_step(client, callers["lsa"], case_id, "record_verification", version, answer)
    by_other = take_step(
        client, callers["other-police"], case_id, "record_verification", version, answer
    )
    by_unit = take_step(client, callers["police"], case_id, "record_verification", version, answer)

    assert_problem(by_lsa, 403, "forbidden-role")  # the LSA no longer answers for the police
    assert_problem(by_other, 404, "not-found")  # another unit: not its case to see (need-to-know)
    assert by_unit.status_code == 200, by_unit.text
    request, answered = history(client, callers["supervisor"], case_id)[-2:]
    assert (request["actor"]["agency"], request["addressee"]) == ("lsa-kyivska", "police-kyivska")
    assert (answered["actor"]["agency"], answered["addressee"]) == ("police-kyivska", "lsa-kyivska")


def test_the_case_page_offers_fitting_agencies_by_name_and_explains_refusals(
    client: TestClient, callers: Callers
) -> None:
    case_id, version = case_in(client, callers, "application_registered")
    sign_in(client, callers["lsa"].token)
    page = step_page(client, case_id, "send_referral")  # the form its link opens
    picker = re.search(r'<select id="step\d+-agency".*?</select>', page, re.S)
    assert picker is not None
    groups = re.findall(r'<optgroup label="([^"]+)">', picker.group(0))
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', picker.group(0))

    assert groups[:2] == ["Shelter", "Medical"]  # the services offered in Kyiv Oblast, in words
    assert ("shelter/shelter-kyiv", "Kyiv Shelter for Survivors (synthetic)") in options
    assert all(label != value.split("/")[-1] for value, label in options)  # names, not ids
    assert not any("legal-aid-lviv" in value for value, _ in options)  # not in Kyiv Oblast
    assert 'name="data.service"' not in picker.group(0)

    form = {"trigger": "send_referral", "expected_version": str(version)}
    refused = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/steps",
                        {**form, "data.agency": "medical/shelter-kyiv"})  # fmt: skip
    client.cookies.set(LANG_COOKIE, "uk")
    ukrainian = post_form(client, f"/cases/{case_id}", f"/cases/{case_id}/steps",
                          {**form, "data.agency": "medical/shelter-kyiv"})  # fmt: skip

    assert refused.status_code == ukrainian.status_code == 422
    assert "“Kyiv Shelter for Survivors (synthetic)” does not offer the service “Medical”" in (
        refused.text.replace("&#34;", '"')
    )
    assert "«Київський притулок (синтетичний)» не надає послугу «медична»" in ukrainian.text
    assert '<optgroup label="притулок">' in ukrainian.text


def test_users_add_refuses_an_unknown_agency_naming_close_matches(
    pg_settings: Settings, synthetic_agencies: Runtime
) -> None:
    env = pg_env(pg_settings)
    who = ["--role", "lsa_official", "--region", KYIV]

    refused = cli("users", "add", "olena", "--agency", "lsa-kyivsk", *who, env=env)
    added = cli("users", "add", "olena", "--agency", "lsa-kyivska", *who, env=env)

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "'lsa-kyivsk' is not a registered agency; close matches: lsa-kyivska (" in (
        refused.stderr
    )
    assert added.returncode == 0, added.stderr  # (an admin's agency is not checked: test_cli_text)
    assert synthetic_agencies.users.get("olena") is not None
