"""The import page: admins only (and linked for them alone); a dry run then an import of a register
with bad rows shows the counts in words and each row not imported with its column and problem, in
English and in Ukrainian with no interface text or internal name left over; a bad file or mapping
shows the form again with what is wrong; a register over the import's limit gets the error page."""

from __future__ import annotations

import base64
import html
import re

import httpx
import pytest
from fastapi.testclient import TestClient

from referral_engine.application.demo_register import synthetic_register
from referral_engine.bootstrap import Runtime
from referral_engine.config import PROJECT_ROOT
from referral_engine.entrypoints.asgi import create_app
from tests.e2e.conftest import Callers
from tests.e2e.pages import csrf_of, sign_in
from tests.e2e.test_pages_ukrainian import english_interface, english_workflow, left_in_english
from tests.factories import ukraine

MAPPING = (PROJECT_ROOT / "docs" / "import" / "ministry-register.yaml").read_bytes()
EVENT_NAMES = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")  # PersonScreened, ...


def send(
    client: TestClient,
    data: bytes,
    *,
    name: str = "register.csv",
    mapping: bytes = MAPPING,
    **fields: str,
) -> httpx.Response:
    """Post the import form found on the page (its CSRF token included)."""
    csrf = csrf_of(client.get("/imports").text)
    return client.post(
        "/imports",
        data={"csrf": csrf, "workflow": "ukraine-nrm", **fields},
        files={"file": (name, data, "text/csv"), "mapping": ("m.yaml", mapping, "text/yaml")},
    )


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize("caller", ["lsa", "supervisor", "analyst", "statistician"])
def test_only_admins_have_the_page_and_its_link(
    client: TestClient, callers: Callers, caller: str
) -> None:
    sign_in(client, callers[caller].token)
    assert 'href="/imports"' not in client.get("/workflows").text
    response = client.get("/imports")
    assert response.status_code == 403
    assert "Only admins may import registers." in response.text


def test_a_dry_run_then_the_import_show_the_counts_and_the_rows_not_imported(
    client: TestClient, callers: Callers, pg_runtime: Runtime
) -> None:
    sign_in(client, callers["admin"].token)
    form = client.get("/imports")
    assert form.status_code == 200 and 'href="/imports"' in form.text
    assert 'name="dry_run" value="on" checked' in form.text  # checking first is the default
    assert "Ukraine" in form.text  # the workflow by its title
    data, expected = synthetic_register(8, bad=10)  # one row of each kind of problem

    dry = send(client, data, dry_run="on")
    assert dry.status_code == 200, dry.text
    seen = text_of(dry.text)
    assert "Check only: nothing was imported" in seen
    assert (
        "Would be imported 8" in seen and "Would not be imported: a problem in the row 10" in seen
    )
    for row in expected.bad:
        assert re.search(rf'<td class="num"[^>]*>{row}</td>', dry.text), row
    assert "the same id as row" in seen and "unknown region" in seen
    assert not EVENT_NAMES.findall(seen.split("Rows not imported", 1)[1])  # steps in words
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', dry.text)
    assert href is not None
    lines = base64.b64decode(href.group(1)).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 10  # the header and one problem per bad row

    real = send(client, data)
    seen = text_of(real.text)
    assert "Imported 8" in seen and "Check only" not in seen
    again = send(client, data)
    assert "Already imported, unchanged 8" in text_of(again.text)
    assert "Imported 0" in text_of(again.text)


def test_the_report_in_ukrainian_leaves_no_interface_text_in_english(
    client: TestClient, callers: Callers
) -> None:
    sign_in(client, callers["admin"].token)
    client.get("/lang/uk?next=/")
    data, _ = synthetic_register(6, bad=10)
    page = send(client, data, dry_run="on").text
    assert left_in_english(page, english_interface() | english_workflow(ukraine())) == []
    seen = text_of(page)
    assert "Лише перевірка: нічого не імпортовано" in seen
    assert "Не буде імпортовано: помилка в рядку 10" in seen
    assert "той самий ідентифікатор, що й у рядку" in seen and "невідома область" in seen
    assert "порожнє: це дата кроку" in seen
    assert not EVENT_NAMES.findall(seen)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"name": "register.txt"}, "must end in .csv or .xlsx"),
        ({"mapping": b"register: x\n  bad: ["}, "not readable YAML"),
        ({"region": "UA-99"}, "Region: is not a region of this workflow"),
    ],
)
def test_a_bad_file_or_mapping_shows_the_form_again_with_the_problem(
    client: TestClient, callers: Callers, change: dict[str, str], said: str
) -> None:
    sign_in(client, callers["admin"].token)
    data, _ = synthetic_register(2)
    response = send(client, data, **change)  # type: ignore[arg-type]
    assert response.status_code == 422
    assert 'role="alert"' in response.text and "Nothing was imported." in response.text
    assert said in text_of(response.text)
    assert 'name="file"' in response.text  # the form, to try again
    client.get("/lang/uk?next=/")
    response = send(client, data, **change)  # type: ignore[arg-type]
    assert "Нічого не імпортовано." in response.text


def test_a_register_over_the_limit_gets_the_error_page(
    pg_runtime: Runtime, callers: Callers
) -> None:
    pg_runtime.settings.max_import_bytes = 1024 * 1024
    with TestClient(create_app(pg_runtime), raise_server_exceptions=False) as client:
        sign_in(client, callers["admin"].token)
        response = send(client, b"x" * (1024 * 1024 + 1))
        assert response.status_code == 413
        assert "larger than the server accepts (1 MB)" in text_of(response.text)
