"""Every page of a walked UK case (uk-nrm), in Ukrainian: no internal code (state, step, event,
role, field, enum value) and no English word (#19 item 7), as test_pages_no_codes checks for a
Ukraine case. The UK workflow files label their states, steps, fields and values in Ukrainian.

Written in Latin letters on these pages, besides test_pages_no_codes' list: the abbreviations of
the UK decisions and authorities the UK texts use as names (RG, CG, SCA, IECA, MS1), which the
Ukrainian labels keep beside their Ukrainian words, and the synthetic person's data. The UK
decision letters (papers) are official English documents and are not among the pages checked."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from tests.e2e.conftest import Callers, referral_step
from tests.e2e.pages import sign_in
from tests.e2e.test_api_uk_law import LONDON, opened, stepped
from tests.e2e.test_pages_no_codes import LATIN, agency_ids, latin_words, seen
from tests.factories import FixedClock

NAMES_IN_LATIN = frozenset({"RG", "CG", "SCA", "IECA", "MS1"})


def uk_codes(runtime: Runtime) -> set[str]:
    """The UK workflow's internal names: states, triggers, events, roles, fields, values."""
    w = runtime.engine.workflows.get("uk-nrm")
    found: set[str] = {*w.states, *w.roles, w.opening.event}
    fields = [*w.opening.fields]
    for spec in w.all_transitions():
        found |= {spec.trigger, spec.event}
        fields += spec.fields
    if w.referrals is not None:
        found |= set(w.referrals.states)
    for f in fields:
        found |= {f.name, *(str(v) for v in (getattr(f, "values", None) or ()))}
    return {c for c in found if c and len(c) > 2}


def test_a_walked_uk_case_in_ukrainian_shows_no_code_and_no_english_word(
    client: TestClient, callers: Callers, pg_runtime: Runtime, clock: FixedClock
) -> None:
    fr = callers.add(pg_runtime, "fr", "first_responder", "police-met", [LONDON])
    ca = callers.add(pg_runtime, "ca", "competent_authority", "sca", [LONDON])
    sp = callers.add(pg_runtime, "sp", "support_provider", "vcc-london", [LONDON])
    case = opened(client, pg_runtime, fr)
    for trigger, caller, data in [
        ("record_consent", fr, {}),
        ("refer_adult", fr, {}),
        ("decide_rg_positive", ca, {"competent_authority": "sca"}),
    ]:
        response = stepped(client, pg_runtime, case, trigger, caller, **data)
        assert response.status_code == 200, response.text
        case["version"] = response.json()["version"]
    case_id = case["id"]
    body = {"agency": "vcc-london", "service": "accommodation", "data": {}}
    sent = client.post(
        f"/api/cases/{case_id}/referrals",
        json={**body, "expected_version": case["version"]},
        headers=ca.auth,
    )
    assert sent.status_code == 201, sent.text
    version, rid = sent.json()["version"], sent.json()["referral_id"]
    accepted = referral_step(client, sp, case_id, rid, "accept", version)
    assert accepted.status_code == 200, accepted.text
    pg_runtime.projections.catch_up()
    shown: dict[str, Any] = client.get(f"/api/cases/{case_id}", headers=ca.auth).json()
    person = {w for v in shown["data"].values() if isinstance(v, str) for w in LATIN.findall(v)}
    users = {c.name for c in callers.values()}
    client.get("/lang/uk?next=/")
    visits = {
        ca: [
            f"/cases/{case_id}",
            *(
                f"/cases/{case_id}?step={s['trigger']}"
                + (f"&referral={s['referral_id']}" if s.get("referral_id") else "")
                for s in shown["allowed_steps"]
            ),
            "/cases",
            f"/cases/{case_id}/history",
        ],
        fr: [f"/cases/{case_id}"],
        sp: ["/inbox", f"/inbox/cases/{case_id}/referrals/{rid}", f"/cases/{case_id}"],
    }
    assert len(visits[ca]) > 5  # the steps open to the deciding authority, each its form
    pages: dict[str, str] = {}
    for who, paths in visits.items():
        sign_in(client, who.token)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (who.name, path, response.status_code)
            pages[f"{who.name} {path}"] = response.text
    known = uk_codes(pg_runtime) - users
    known |= agency_ids()  # the registry's ids: agencies are shown by their names
    leftovers = {}
    for where, page in pages.items():
        text = seen(page)
        found = latin_words(text, person | users | NAMES_IN_LATIN) | {
            c for c in known if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)
        }
        if found:
            leftovers[where] = sorted(found)
    assert not leftovers, leftovers
