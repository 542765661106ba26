"""The case page's transfer forms: each opens alone from its action (`?move=`), a form the
reader may not take is not opened, and withdrawing or refusing a transfer records nothing until
its box confirms it (422, the confirmation named at the top)."""

from __future__ import annotations

from uuid import UUID

from fastapi.testclient import TestClient

from referral_engine.bootstrap import Runtime
from referral_engine.domain.commands import Actor
from tests.e2e.conftest import Callers
from tests.e2e.pages import csrf_of, sign_in
from tests.factories import case_in

KHARKIV, KYIV = "UA-63", "UA-32"


def test_a_transfer_is_withdrawn_only_once_confirmed_each_form_opening_alone(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    engine = pg_runtime.engine
    asking = callers.add(pg_runtime, "kh-lsa", "lsa_official", "lsa-kharkivska", [KHARKIV])
    case_id = case_in(engine, "application_registered", region=KHARKIV)
    sign_in(client, asking.token)
    page = client.get(f"/cases/{case_id}").text
    assert f'href="/cases/{case_id}?move=request"' in page  # an action, not an open form
    assert 'id="form-transfer"' not in page
    alone = client.get(f"/cases/{case_id}?move=request").text
    assert 'id="form-transfer"' in alone and 'id="steps"' not in alone
    refused = client.get(f"/cases/{case_id}?move=withdraw")  # nothing waits: not offered
    assert refused.status_code == 200 and 'id="form-withdraw"' not in refused.text
    assert 'id="steps"' in refused.text

    version = engine.case(case_id).version
    actor = Actor("kh-lsa", "lsa_official", "lsa-kharkivska")
    engine.request_transfer(case_id, KYIV, "person_moved", actor=actor, expected_version=version)
    form = client.get(f"/cases/{case_id}").text
    assert f'href="/cases/{case_id}?move=withdraw"' in form and 'class="other-actions"' in form
    opened = client.get(f"/cases/{case_id}?move=withdraw").text
    assert 'id="confirm-withdraw"' in opened
    post = {"csrf": csrf_of(opened), "expected_version": str(engine.case(case_id).version)}
    unconfirmed = client.post(f"/cases/{case_id}/transfers/withdraw", data=post)
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm: Withdraw the transfer" in unconfirmed.text
    assert 'href="#confirm-withdraw"' in unconfirmed.text  # the summary links to the box
    assert engine.case(case_id).transfer is not None
    done = client.post(
        f"/cases/{case_id}/transfers/withdraw",
        data={**post, "confirm": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert engine.case(UUID(str(case_id))).transfer is None
