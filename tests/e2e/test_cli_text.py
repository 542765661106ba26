"""What enters through the command line: arguments and options refuse control and invisible
formatting characters (exit 2, one clear line, no traceback), and a user's regions must be codes
of a workflow's registry (#14, items 1 and 13)."""

from __future__ import annotations

import os
import subprocess

import pytest

from referral_engine.config import Settings
from tests.e2e.test_cli import cli, pg_env

UNDECODABLE = os.fsdecode(b"lsa\xffkyiv")  # a byte that is no UTF-8: a lone surrogate in Python


def add_user(
    settings: Settings, *, agency: str = "lsa-kyivska", region: str = "UA-32"
) -> subprocess.CompletedProcess[str]:
    who = ["users", "add", "olena", "--role", "lsa_official", "--agency", agency]
    return cli(*who, "--region", region, env=pg_env(settings))


@pytest.mark.parametrize(
    ("agency", "said"),
    [
        ("lsa\u202ekyiv", "an invisible formatting character (U+202E at position 3)"),
        ("lsa\u200bkyiv", "an invisible formatting character (U+200B at position 3)"),
        ("lsa\x1b[2Jkyiv", "a control character (U+001B at position 3)"),
        (UNDECODABLE, "a lone surrogate (not a character) (U+DCFF at position 3)"),
    ],
)
def test_an_option_with_a_bad_character_is_refused_naming_it(
    pg_settings: Settings, agency: str, said: str
) -> None:
    result = add_user(pg_settings, agency=agency)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"--agency: must not contain {said}" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_argument_with_a_bad_character_is_refused_naming_its_place() -> None:
    result = cli("workflows", "show", "ukraine\u2066-nrm")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "argument 3: must not contain an invisible formatting character" in result.stderr


@pytest.mark.usefixtures("synthetic_agencies")  # the user's agency is a registered one
def test_a_users_region_must_be_a_code_of_a_workflows_registry(pg_settings: Settings) -> None:
    refused = add_user(pg_settings, region="Kyivska")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "UA-32 (Kyiv Oblast)" in refused.stderr
    accepted = add_user(pg_settings, region="UA-32")
    assert accepted.returncode == 0, accepted.stderr
    everywhere = cli(*["users", "add", "root", "--role", "admin", "--agency", "it"],
                     "--region", "*", env=pg_env(pg_settings))  # fmt: skip
    assert everywhere.returncode == 0, everywhere.stderr
