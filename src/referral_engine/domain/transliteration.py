"""Name words in one common form: Ukrainian Cyrillic to Latin by the national standard, and back.

`words(text)` splits a written name into lower-case words, each in the *common Latin form*: the
transliteration of the Cabinet of Ministers of Ukraine, Resolution No. 55 of 27 January 2010 (the
one passports use): `Є Ї Й Ю Я` are `Ye Yi Y Yu Ya` at the start of a word and `ie i i iu ia`
elsewhere, `зг` is `zgh` (so that it is not read as `ж`), the soft sign and the apostrophe are
dropped. The Russian letters `ы э ъ ё` are written `y e` (nothing) `e`, so that a Russian spelling
of a name meets its Ukrainian one at least in the phonetic key. Latin letters lose their
diacritics (`é` is `e`, `ł` is `l`); other scripts are kept as they are.

`cyrillic(word)` goes back from Latin to Ukrainian, longest match first (`shch` before `sh`
before `s`), reading the spellings people use beside the standard too (`g` and `h` as `г`, `c` as
`к` or `ц`, `j` as `й`, `ja ju je` as `я ю є`, Polish `cz sz szcz`, German `sch tsch`, a final
`yi`, or `kiy` as `-кий`). `round_trip(word)` is Latin -> Ukrainian -> Latin: "Olga" becomes "olha",
"Shevchenco" becomes "shevchenko", "Zgurskiy" becomes "zghurskyi", meeting the standard form of
the Cyrillic spelling. `skeleton(word)` is a phonetic key: the sounds that spellings of one name
disagree on are made one (`kh h g`, `ts tz c`, `y i j`, `shch sch sh`, double letters, final
vowels, a leading `y`/`i` before a vowel), so "Olha"/"Olga" and "Iryna"/"Yryna" share it.

A word mixing scripts (a Latin `o` typed inside a Cyrillic name) is read in the script most of
its letters are in, its look-alike letters of the other script folded into it. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from referral_engine.domain.text import REFUSED_CATEGORIES

APOSTROPHES = frozenset("'’ʼ‘`ʹ")
UKR_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
UKR = {
    **dict(zip("абвгґдезиіклмнопрстуфы", "abvhgdezyiklmnoprstufy", strict=True)),
    **{"ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
    **{"є": "ie", "ї": "i", "й": "i", "ю": "iu", "я": "ia", "ь": "", "ъ": "", "э": "e", "ё": "e"},
}
# Latin -> Ukrainian, longest first; a match is tried at each position from the longest key down.
LATIN = {
    **{"szcz": "щ", "shch": "щ", "tsch": "ч", "sch": "ш", "zgh": "зг", "tch": "ч"},
    **{"kh": "х", "zh": "ж", "ts": "ц", "tz": "ц", "ch": "ч", "sh": "ш", "cz": "ч", "sz": "ш"},
    **{"ph": "ф", "ck": "к", "ye": "є", "ie": "є", "yi": "ї", "yu": "ю", "iu": "ю", "ya": "я"},
    **{"ia": "я", "ja": "я", "je": "є", "ju": "ю", "jo": "йо", "yo": "йо", "x": "кс", "q": "к"},
    **dict(zip("abcdefghijklmnoprstuvwyz", "абкдефггійклмнопрстуввиз", strict=True)),
}
_LONGEST = max(len(k) for k in LATIN)
_FINAL_YI = re.compile(r"(?:yi|yj|yy|(?<=k)iy|(?<=k)ij)$")  # -ий; Andriy is Андрій
_VOWELS = frozenset("aeiouy")
# Look-alike letters: Cyrillic in a Latin word and Latin in a Cyrillic word (both cases).
_CYR_LOOKS = "АВСЕНІКМОРТХаеіорсухј"
_LAT_LOOKS = "ABCEHIKMOPTXaeiopcyxj"
TO_LATIN = str.maketrans(_CYR_LOOKS, _LAT_LOOKS)
TO_CYRILLIC = str.maketrans(_LAT_LOOKS, _CYR_LOOKS.replace("ј", "й"))
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe"})
_SKELETON = [
    (re.compile(p), r)
    for p, r in (
        (r"szcz|shch|щ", "S"),
        (r"tsch", "C"),
        (r"sch|sh|sz|ш", "S"),
        (r"tch|ch|cz|ч", "C"),
        (r"zh|ж", "Z"),
        (r"kh|h|g|ґ", "H"),
        (r"c(?=[eiy])|ts|tz", "T"),
        (r"ck|c|q", "k"),
        (r"ph", "f"),
        (r"x", "ks"),
        (r"w", "v"),
        (r"[yij]", "i"),
        (r"^i(?=[aeou])", ""),
        (r"(.)\1+", r"\1"),
        (r"(?<=.)[aeiou]$", ""),
    )
]


def is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff" or "\u0500" <= char <= "\u052f"


def clean(text: str) -> str:
    """`text` in NFKC with the characters no stored string may hold made spaces (invisible
    formatting ones and lone surrogates dropped, so that a zero-width space does not split a
    word)."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in REFUSED_CATEGORIES:
            kept.append("" if category in ("Cf", "Cs") else " ")
        else:
            kept.append(char)
    return unicodedata.normalize("NFKC", "".join(kept))


def raw_words(text: str) -> list[str]:
    """The words of `text` as written (apostrophes inside a word dropped), split on anything
    that is not a letter: "Мар'яна Коваль-Шевчук" -> ["Маряна", "Коваль", "Шевчук"]."""
    words, current = [], []
    for char in clean(text):
        if char.isalpha():
            current.append(char)
        elif char not in APOSTROPHES or not current:
            if current:
                words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def words(text: str, minimum: int = 2) -> list[str]:
    """The name words of `text` in the common Latin form, each of at least `minimum` letters."""
    common = (latin(word) for word in raw_words(text))
    return [word for word in common if len(word) >= minimum]


def latin(word: str) -> str:
    """One word in the common Latin form (lower case, the national standard for Cyrillic)."""
    cyrillic_letters = sum(1 for char in word if is_cyrillic(char))
    if cyrillic_letters * 2 > len(word):
        word = word.translate(TO_CYRILLIC).casefold()
    else:
        word = word.translate(TO_LATIN).casefold()
    out = []
    for position, char in enumerate(word):
        if char == "г" and position > 0 and word[position - 1] == "з":
            out.append("gh")
        elif position == 0 and char in UKR_INITIAL:
            out.append(UKR_INITIAL[char])
        elif char in UKR:
            out.append(UKR[char])
        elif is_cyrillic(char):
            out.append(char)
        else:
            out.append(_without_marks(char))
    return "".join(out)


def _without_marks(char: str) -> str:
    if char.isascii():
        return char
    decomposed = unicodedata.normalize("NFD", char.translate(_UNDECOMPOSED))
    if not decomposed[0].isascii():
        return char  # another script: its marks are part of its letters
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def cyrillic(word: str) -> str:
    """A word in the common Latin form read back as Ukrainian Cyrillic (letters of other
    scripts stay as they are)."""
    final = _FINAL_YI.search(word) if len(word) > 3 else None
    stem, ending = (word[: final.start()], "ий") if final else (word, "")
    out, position = [], 0
    while position < len(stem):
        for size in range(min(_LONGEST, len(stem) - position), 0, -1):
            piece = stem[position : position + size]
            if piece in LATIN:
                break
        else:
            out.append(stem[position])
            position += 1
            continue
        if piece == "c":
            following = stem[position + 1 : position + 2]
            out.append("ц" if following and following in "eiy" else "к")
        elif piece == "y":
            after_vowel = position > 0 and stem[position - 1] in _VOWELS
            out.append("й" if after_vowel else "и")
        else:
            out.append(LATIN[piece])
        position += size
    return "".join(out) + ending


@lru_cache(maxsize=8192)  # ranking asks for the same few words' round trips again and again
def round_trip(word: str) -> str:
    """Latin -> Ukrainian -> Latin: other spellings of a name brought to the national standard
    ("olga" -> "olha", "shevchenco" -> "shevchenko"); a Cyrillic-born word usually comes back
    unchanged."""
    return latin(cyrillic(word))


def skeleton(word: str) -> str:
    """A phonetic key of a word in the common Latin form (see the module's docstring)."""
    for pattern, replacement in _SKELETON:
        word = pattern.sub(replacement, word)
    return word
