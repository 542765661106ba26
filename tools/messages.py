"""Keep the translations in step with the English catalogue (`make messages`).

The English catalogue (`locale/en/LC_MESSAGES/messages.po`) is the source: a developer adds a
message there under its key. This writes the template `locale/messages.pot` from it (each entry
with its English words as a comment for translators) and updates every other language's
catalogue from the template with Babel, so new messages appear there untranslated and removed ones
become obsolete, then prints how many each language still lacks. `--init LANG` starts a new
language's catalogue (the pages offer it at once; untranslated messages show in English).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "src/referral_engine/entrypoints/web/locale"


def _path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "messages.po"


def _read(path: Path, lang: str | None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=100, sort_output=False, ignore_obsolete=False)


def template() -> Catalog:
    english = _read(_path("en"), "en")
    pot = Catalog(
        project="referral-engine",
        version="1",
        domain="messages",
        fuzzy=False,
        creation_date=english.creation_date,  # stable: a rerun changes no line
        header_comment="# The pages' words to translate: docs/translations.md.",
    )
    for message in english:
        if message.id:
            pot.add(message.id, auto_comments=[f"English: {message.string}"])
    return pot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--init", metavar="LANG", help="start the catalogue of a new language")
    args = parser.parse_args()
    pot = template()
    _write(LOCALE / "messages.pot", pot)
    if args.init:
        lang = str(Locale.parse(args.init))
        if _path(lang).exists():
            raise SystemExit(f"{lang} has a catalogue already: {_path(lang)}")
        _write(_path(lang), Catalog(locale=lang, project="referral-engine", fuzzy=False))
    for path in sorted(LOCALE.glob("*/LC_MESSAGES/messages.po")):
        lang = path.parent.parent.name
        if lang == "en":
            continue
        catalog = _read(path, lang)
        catalog.update(pot, no_fuzzy_matching=True)
        _write(path, catalog)
        missing = sum(1 for m in catalog if m.id and not m.string)
        print(f"{lang}: {len(pot) - missing} of {len(pot)} messages translated")


if __name__ == "__main__":
    main()
