"""The gettext catalogues: complete, consistent with each other and with the code that uses
them, and a new language added by a catalogue alone."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from referral_engine.entrypoints.web.i18n import (
    LANGS,
    LOCALE_DIR,
    catalogue,
    language_name,
    languages,
    translator,
)

WEB = LOCALE_DIR.parent
ROOT = WEB.parents[3]
LITERAL = re.compile(r"""\bt(?:\.plural|\.has|\.label)?\(\s*["']([a-z_][\w.-]*\w)["']\s*[,)]""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_catalogue_parses_without_fuzzy_or_duplicate_entries() -> None:
    assert LANGS[:2] == ("en", "uk")
    for lang in LANGS:
        with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            read = read_po(f, locale=lang)
        assert not read.fuzzy, lang
        assert not [m.id for m in read if m.id and m.fuzzy], lang
        assert not read.obsolete, lang


def ids(lang: str) -> set[str]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {str(m.id) for m in read_po(f, locale=lang) if m.id}


def test_ukrainian_translates_every_message_with_the_same_placeholders() -> None:
    english, ukrainian = catalogue("en"), catalogue("uk")
    assert ids("uk") == ids("en")
    # English leaves empty only the names a workflow or read model declares (`t.label`) and the
    # refusals the engine words itself (`explain.*`, web/explain.py)
    assert {k.split(".")[0] for k in ids("en") - set(english)} <= {"dashboard", "explain"}
    assert set(english) <= set(ukrainian)
    for key, words in english.items():
        assert set(PLACEHOLDER.findall(ukrainian[key])) == set(PLACEHOLDER.findall(words)), key


def test_every_key_the_pages_name_is_in_the_english_catalogue() -> None:
    english = catalogue("en")
    used = {
        key
        for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]
        for key in LITERAL.findall(path.read_text(encoding="utf-8"))
    }
    assert len(used) > 300
    missing = {
        key
        for key in used
        if key not in english and not any(k.startswith(f"{key}.") for k in english)
    }
    assert not missing


def test_the_template_for_translators_is_up_to_date(tmp_path: Path) -> None:
    """`make messages` on the checked-in catalogues changes nothing."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "tools", copy / "tools")
    target = copy / LOCALE_DIR.relative_to(ROOT)
    shutil.copytree(LOCALE_DIR, target)
    subprocess.run([sys.executable, str(copy / "tools/messages.py")], check=True, cwd=copy)
    for path in LOCALE_DIR.rglob("*.po*"):
        assert (target / path.relative_to(LOCALE_DIR)).read_bytes() == path.read_bytes(), path


def test_a_new_language_is_a_catalogue_alone(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "tools", copy / "tools")
    target = copy / LOCALE_DIR.relative_to(ROOT)
    shutil.copytree(LOCALE_DIR, target)
    subprocess.run(
        [sys.executable, str(copy / "tools/messages.py"), "--init", "pl"], check=True, cwd=copy
    )
    assert languages(target) == ("en", "pl", "uk")
    with (target / "pl/LC_MESSAGES/messages.po").open("rb") as f:
        polish = read_po(f, locale="pl")
    assert {m.id for m in polish if m.id} == ids("en")
    assert language_name("pl") == "Polski"
    assert language_name("uk") == "Українська"


def test_plural_forms_follow_each_languages_rule() -> None:
    uk, en = translator("uk"), translator("en")
    assert [uk.plural("proj.parked", n) for n in (1, 3, 5, 11, 21)] == [
        "1 подію відкладено",
        "3 події відкладено",
        "5 подій відкладено",
        "11 подій відкладено",
        "21 подію відкладено",
    ]
    assert [en.plural("proj.parked", n) for n in (1, 2)] == [
        "1 event set aside",
        "2 events set aside",
    ]
    assert uk("no.such.key") == "no.such.key"
