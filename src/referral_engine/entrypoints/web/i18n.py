"""The interface's words: gettext catalogues, one per language, managed with Babel.

`locale/<lang>/LC_MESSAGES/messages.po` holds every message of the pages under a stable key (the
msgid, e.g. `nav.cases`); `en` is the source catalogue. A language is a catalogue: adding a
directory with its `messages.po` adds the language to the switcher, with its own name from CLDR
and its plural rules from CLDR, so a third language needs no code (docs/translations.md,
`make messages`). Workflow content (state, step and field titles) is shown as the workflow file
words it; the catalogues cover the interface around it. A missing translation falls back to
English, and a missing key shows the key itself, so a gap is visible rather than fatal.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT = "en"
LANG_COOKIE = "re_lang"


def languages(root: Path) -> tuple[str, ...]:
    """The languages with a catalogue under `root`, English first."""
    found = sorted(p.parent.parent.name for p in root.glob("*/LC_MESSAGES/messages.po"))
    return (DEFAULT, *(lang for lang in found if lang != DEFAULT))


LANGS = languages(LOCALE_DIR)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The language's messages by key, without empty or fuzzy ones (those fall back)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        read = read_po(f, locale=lang)
    return {
        str(m.id): str(m.string)
        for m in read
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


@cache
def language_name(lang: str) -> str:
    """The language's name in itself, as CLDR writes it, with a capital (for the switcher)."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


class Translator:
    """`t(key, **values)`: the message in one language, with `{name}` placeholders filled."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT
        self.words = catalogue(self.lang)
        self.source = catalogue(DEFAULT)
        self.locale = Locale.parse(self.lang)

    def _find(self, key: str) -> str | None:
        return self.words.get(key) or self.source.get(key)

    def __call__(self, key: str, **values: Any) -> str:
        text = self._find(key) or key
        return text.format(**values) if values else text

    def plural(self, key: str, n: int) -> str:
        """The form of `key` for the count `n` by this language's CLDR plural rule: `key.one`,
        `key.few`, `key.many`... (`other` falls back to `many`, as English catalogues write it)."""
        form = self.locale.plural_form(n)
        for candidate in (form, "many", "other"):
            if self._find(f"{key}.{candidate}"):
                return self(f"{key}.{candidate}", n=n)
        return self(f"{key}.{form}", n=n)

    def has(self, key: str) -> bool:
        return key in self.source or key in self.words

    def label(self, key: str, default: str) -> str:
        """The catalogue's word for something the engine names (a dashboard, a column) in this
        language, or `default` (the name as declared) where it has none."""
        return self.words.get(key) or default

    def column(self, name: str) -> str:
        """A published column in words; `count.category` as the count's words and the category."""
        whole, _, part = name.partition(".")
        said = self.label(f"column.{whole}", whole)
        return f"{said}: {part}" if part else said

    def language(self, lang: str) -> str:
        return language_name(lang)


@cache
def translator(lang: str) -> Translator:
    return Translator(lang)
