"""What a workflow file lets in: no control or invisible formatting character in any string (the
path of the bad value named), and a well-formed registry of regions (#14, items 1 and 13)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from referral_engine.domain.errors import InvalidData, InvalidWorkflow
from referral_engine.domain.regions import check_region
from referral_engine.workflows.loader import lint_file, load_file, parse
from tests.e2e.test_cli import cli
from tests.factories import WORKFLOWS, ukraine


def shipped(name: str = "ukraine-nrm.yaml") -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return document


def problems_of(document: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidWorkflow) as refused:
        parse(document, "changed.yaml", WORKFLOWS)
    return refused.value.problems


@pytest.mark.parametrize(
    ("char", "said"),
    [
        ("\x00", "a control character (U+0000"),
        ("\ud800", "a lone surrogate (not a character) (U+D800"),
        ("\u202e", "an invisible formatting character (U+202E"),
        ("\u200b", "an invisible formatting character (U+200B"),
    ],
)
def test_a_bad_character_in_any_string_is_refused_with_its_path(char: str, said: str) -> None:
    document = shipped()
    document["states"]["screened"]["title"] = f"Screened{char}"
    document["opening"]["fields"]["contact"]["values"] = [f"a{char}"]
    found = problems_of(document)
    assert f"states.screened.title: must not contain {said} at position 8)" in found
    assert any(p.startswith("opening.fields.contact.values[0]: must not contain") for p in found)


def test_a_bad_key_is_refused_printably() -> None:
    document = shipped()
    document["roles"]["police\u200b"] = "A look-alike role"
    [found] = [p for p in problems_of(document) if "U+200B" in p]
    assert found.startswith("roles.police\\u200b: the key must not contain")


def test_descriptions_keep_their_line_breaks() -> None:
    document = shipped()
    document["description"] = "First line.\nSecond line.\n\tIndented."
    assert parse(document, base=WORKFLOWS).description.endswith("Indented.")


def test_workflows_validate_names_the_bad_value_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ukraine-nrm.yaml"
    text = (WORKFLOWS / "ukraine-nrm.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace('title: "Screen a possible victim"', 'title: "Screen\\u202e"'))
    result = cli("workflows", "validate", str(path))
    assert result.returncode == 1, result.stdout
    assert "opening.title: must not contain an invisible formatting character" in result.stderr
    with pytest.raises(InvalidWorkflow):
        lint_file(path)
    with pytest.raises(InvalidWorkflow):
        load_file(path)


# -- regions ---------------------------------------------------------------------------------------


def test_the_ukraine_registry_holds_its_27_first_level_subdivisions_named_in_both_languages() -> (
    None
):
    regions = ukraine().regions
    assert len(regions) == 27 and {"UA-30", "UA-32", "UA-40", "UA-43", "UA-46"} <= set(regions)
    assert regions["UA-32"].names == {"en": "Kyiv Oblast", "uk": "Київська область"}
    assert all(set(r.names) == {"en", "uk"} for r in regions.values())


def test_later_versions_inherit_the_registry_of_version_1() -> None:
    assert (
        ukraine().version == 6
        and ukraine().regions == load_file(WORKFLOWS / "ukraine-nrm.yaml").regions
    )


def test_the_uk_registry_holds_the_four_nations() -> None:
    assert set(load_file(WORKFLOWS / "uk-nrm.yaml").regions) == {
        "GB-ENG",
        "GB-NIR",
        "GB-SCT",
        "GB-WLS",
    }


def test_a_registry_is_checked_codes_well_formed_unique_and_named_in_each_language() -> None:
    document = shipped()
    regions = document["regions"]
    regions[1]["code"] = regions[0]["code"]
    del regions[2]["names"]["uk"]
    regions[3]["names"]["en"] = " "
    found = problems_of(document)
    assert "regions[1].code: 'UA-05' is declared more than once" in found
    assert "regions[2].names: needs a name in 'uk'" in found
    assert "regions[3].names: needs a name in 'en'" in found
    regions[4]["code"] = "Kyivska"
    assert any(
        p.startswith("regions[4].code: String should match pattern") for p in problems_of(document)
    )


def test_a_region_outside_the_registry_is_refused_with_close_matches() -> None:
    regions = ukraine().regions
    assert check_region(" UA-32 ", regions) == "UA-32"
    with pytest.raises(InvalidData) as refused:
        check_region("Kyivska", regions)
    [problem] = refused.value.problems
    assert problem.code == "unknown_region"
    assert set(problem.params["close"]) == {"UA-32", "UA-30"}  # type: ignore[call-overload]
    assert "UA-32 (Kyiv Oblast)" in problem.message and "UA-30 (Kyiv)" in problem.message
    with pytest.raises(InvalidData):
        check_region("Reg<script>", regions)


def test_without_a_registry_a_region_must_still_be_a_well_formed_code() -> None:
    assert check_region("GB-ENG", {}) == "GB-ENG"
    for refused in ["Kyivska", "UA-32\u200b", "ua-32", ""]:
        with pytest.raises(InvalidData):
            check_region(refused, {})


def test_a_later_version_changes_the_registry_by_code() -> None:
    changes = {
        "extends": "ukraine-nrm@1",
        "id": "ukraine-nrm",
        "version": 3,
        "remove": {"regions": ["UA-40"]},
        "regions": [{"code": "UA-32", "names": {"en": "Kyiv Region", "uk": "Київщина"}}],
    }
    from referral_engine.workflows.merge import resolve

    resolved = resolve(shipped(), changes, "ukraine-nrm@1")
    regions = parse(resolved, base=WORKFLOWS).regions
    assert "UA-40" not in regions and len(regions) == 26
    assert regions["UA-32"].name("uk") == "Київщина"
