"""Move the pages' words from the Python dictionaries of a tree written before the catalogues
(`i18n.MESSAGES`: key -> (English, Ukrainian)) into the gettext catalogues: kept for branches
begun before the move (`--src THEIR_TREE/src`), then delete their dictionaries. Existing catalogue
entries are kept; a key already in a catalogue is not overwritten."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "src/referral_engine/entrypoints/web/locale"


def load(lang: str) -> Catalog:
    path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    if path.exists():
        with path.open("rb") as f:
            return read_po(f, locale=lang)
    return Catalog(locale=lang, project="referral-engine", domain="messages")


def save(lang: str, catalog: Catalog) -> None:
    path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", required=True, help="a source tree with i18n.MESSAGES")
    sys.path.insert(0, parser.parse_args().src)
    messages = importlib.import_module("referral_engine.entrypoints.web.i18n").MESSAGES

    en, uk = load("en"), load("uk")
    added = 0
    for key, (english, ukrainian) in messages.items():
        if key in en:
            continue
        en.add(key, english)
        uk.add(key, ukrainian, auto_comments=[f"English: {english}"])
        added += 1
    save("en", en)
    save("uk", uk)
    print(f"{added} messages added; {len(en)} in the catalogues")


if __name__ == "__main__":
    main()
