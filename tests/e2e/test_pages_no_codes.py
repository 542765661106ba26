"""Every page of a walked Ukraine case, in Ukrainian: no internal code (state, step, event, role,
field, enum value) and no English word, wherever the reader looks (#19 item 7).

Unlike test_pages_ukrainian, nothing is set aside as "a name shown as a name": every visible text
and every attribute read out counts. A Latin word on such a page is a code or English unless it is
on the short list of what Ukrainian pages write in Latin letters (file types, the language
switcher's "English", hexadecimal case references) or is part of the synthetic person's data."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient

from referral_engine.application import demo_agencies
from referral_engine.bootstrap import Runtime
from tests.documents import png
from tests.e2e.conftest import (
    Callers,
    case_in,
    referral_step,
    send_referral,
    workflow,
)
from tests.e2e.pages import sign_in
from tests.factories import FixedClock

SHOWN_ATTRIBUTES = re.compile(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"')
BUTTON_VALUES = re.compile(r'<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"')
LATIN = re.compile(r"(?<![\w/#.-])[A-Za-z][A-Za-z_]+(?![\w/-])")
WRITTEN_IN_LATIN = frozenset(
    {"English", "PDF", "JPEG", "PNG", "CSV", "XLSX", "UTC", "ISO", "HTCDS"}
)
"""What Ukrainian pages write in Latin letters: the other language's name, file types, the time
scale and the standards' names."""
HEX = re.compile(r"^[0-9a-f]{2,}$")


def seen(page: str) -> str:
    """What a reader sees or hears: the text between tags and the attributes read out (a
    button's value included), scripts, styles and hidden inputs left out."""
    body = page.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r'<input[^>]*type="hidden"[^>]*>', " ", body)
    attributes = [*SHOWN_ATTRIBUTES.findall(body), *BUTTON_VALUES.findall(body)]
    text = " ".join([re.sub(r"<[^>]+>", " ", body), *attributes])
    return html.unescape(text)


def codes() -> set[str]:
    """The Ukraine workflow's internal names: states, triggers, events, roles, fields, values."""
    w = workflow()
    found: set[str] = {*w.states, *w.roles, w.opening.event}
    fields = [*w.opening.fields]
    for spec in w.all_transitions():
        found |= {spec.trigger, spec.event}
        fields += spec.fields
    for f in fields:
        found |= {f.name, *(str(v) for v in (getattr(f, "values", None) or ()))}
    return {c for c in found if c and len(c) > 2}


def agency_ids() -> set[str]:
    """The synthetic registry's agency ids (`shelter-kyiv`): a page names an agency, never its id
    (a hyphenated id escapes the Latin-word check)."""
    return {e.slug for e in demo_agencies.ENTRIES if "-" in e.slug}


def latin_words(text: str, allowed: set[str]) -> set[str]:
    return {
        w
        for w in LATIN.findall(text)
        if w not in WRITTEN_IN_LATIN and w not in allowed and not HEX.match(w.lower())
    }


def test_a_walked_case_in_ukrainian_shows_no_code_and_no_english_word(
    client: TestClient, callers: Callers, pg_runtime: Runtime, clock: FixedClock
) -> None:
    case_id, version = case_in(client, callers, "status_granted")
    lsa = callers["lsa"]
    sent = send_referral(client, lsa, case_id, version)
    assert sent.status_code == 201, sent.text
    version, rid = sent.json()["version"], sent.json()["referral_id"]
    for trigger in ("accept", "deliver_assistance"):
        answered = referral_step(client, callers["shelter"], case_id, rid, trigger, version)
        assert answered.status_code == 200, answered.text
        version = answered.json()["version"]
    note = client.post(
        f"/api/cases/{case_id}/notes", json={"text": "Зустріч у центрі"}, headers=lsa.auth
    )
    assert note.status_code == 201, note.text
    upload = client.post(
        f"/api/cases/{case_id}/documents",
        data={"kind": "consent"},
        files={"file": ("згода.png", png("synthetic consent"), "image/png")},
        headers=lsa.auth,
    )
    assert upload.status_code == 201, upload.text
    pg_runtime.projections.catch_up()
    case: dict[str, Any] = client.get(f"/api/cases/{case_id}", headers=lsa.auth).json()
    person = {w for v in case["data"].values() if isinstance(v, str) for w in LATIN.findall(v)}
    users = {c.name for c in callers.values()}  # user names are the administrators' choice
    client.get("/lang/uk?next=/")
    pages: dict[str, str] = {}
    visits = {
        "lsa": [
            f"/cases/{case_id}",
            *(
                f"/cases/{case_id}?step={s['trigger']}"
                + (f"&referral={s['referral_id']}" if s.get("referral_id") else "")
                for s in case["allowed_steps"]
            ),
            "/cases",
            f"/cases/{case_id}?move=request",  # the transfer's form, opened alone
            f"/cases/{case_id}/papers/case-summary",
            f"/cases/{case_id}/papers/status-certificate",
        ],
        "supervisor": [
            f"/cases/{case_id}/history",
            f"/cases/{case_id}/history?at=3",
            "/deadlines",
            f"/audit?case={case_id[:8]}",
        ],
        "shelter": [f"/cases/{case_id}", "/inbox"],
        "decider": [f"/cases/{case_id}"],
    }
    for who, paths in visits.items():
        sign_in(client, callers[who].token)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.status_code)
            pages[f"{who} {path}"] = response.text
    assert 'id="form-transfer"' in pages[f"lsa /cases/{case_id}?move=request"]
    known = codes() - users  # the test users are named after roles and agencies
    known |= agency_ids()
    leftovers = {}
    for where, page in pages.items():
        text = seen(page)
        found = latin_words(text, person | users) | {
            c for c in known if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)
        }
        if found:
            leftovers[where] = sorted(found)
    assert not leftovers, leftovers
