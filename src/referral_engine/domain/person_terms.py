"""Search terms for a person: how a name, a date of birth, a phone or a number is found again.

Personal fields stay encrypted; search goes through a blind index that holds keyed hashes of the
*terms* made here (the adapter hashes them with a secret key: a term is never stored, shown or
returned in clear). A recorded value and a search box text are turned into terms the same way,
and a case is a candidate when they share a term; `similarity` then ranks the candidates.

Names. Each word of a name (split on anything not a letter, apostrophes dropped, words of one
letter ignored) is brought to the *common Latin form* (domain/transliteration.py: the Ukrainian
national standard of 2010 for Cyrillic, lower case, no diacritics), so a name recorded in
Cyrillic and searched in Latin, or the reverse, meet. A word gives:
- `n:` the word in the common form, and its Latin round trip (Latin read back as Ukrainian and
  written again by the standard: "Olga" -> "olha", "Shevchenco" -> "shevchenko", "Zgurskiy" ->
  "zghurskyi"), where people spelled it otherwise than the standard;
- `p:` a phonetic key (kh/h/g, ts/c, y/i/j, sh/shch each made one sound; double letters and a
  final vowel dropped): "Iryna" and the Russian "Ирина" ("yryna") share `p:irin`;
- `d:` for words of 4 to 20 letters, the word and every spelling of it with one letter left out
  (SymSpell): a word and a typo of it (one letter wrong, missing, extra, or two swapped) share
  one of these, so "Shevcheko" finds "Шевченко".
Word order, case and script do not matter; the terms of a query are the union over its words,
so a surname alone finds the name. Ranking (`similarity`) pairs each query word with its best
match among the recorded name's words (Jaro-Winkler on the common forms and round trips) and
averages over the pairs, a tenth of its share off for each query word left without a pair:
"Olena Shevchenco" scores "Олена Шевченко" 1 (the round trips agree), "Oleh Shevchuk" about
0.88; a surname alone that matches scores 1.

Other terms: `b:` an ISO date of birth (a query may write 1995-04-12, 12.04.1995 or 12/04/1995),
`t:` a phone number in E.164 (a national number takes the country code), `#:` a document,
application or certificate number with case, spaces, dashes and slashes gone and the Cyrillic
letters that look Latin (А В С Е І К М Н О Р Т Х) read as those.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rapidfuzz.distance import JaroWinkler

from referral_engine.domain.errors import DomainError
from referral_engine.domain.text import text_problem
from referral_engine.domain.transliteration import clean, round_trip, skeleton, words

MAX_QUERY = 200
MAX_WORD = 30  # longer "words" are cut: every term stays short (<= 64 characters)
DELETIONS = range(4, 21)  # word lengths that get the one-letter-left-out variants
_CYRILLIC_LOOKS, _THEIR_LATIN = "авсеікмнортху", "abceikmhoptxy"  # as capitals: А В С Е ... У
NUMBER_LOOKS = str.maketrans(_CYRILLIC_LOOKS + _CYRILLIC_LOOKS.upper(), _THEIR_LATIN * 2)
_DATES = re.compile(
    r"(?<![\d.\-/])(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})([./])(\d{1,2})\5(\d{4}))(?![\d.\-/])"
)
_PHONE = re.compile(r"^\+?[\d\s().\-]+$")
_PHONE_RUN = re.compile(r"[+(]?\d[\d\s().\-]{5,}\d")


class QueryInvalid(DomainError, ValueError):
    """A search box text with nothing to search for, too long, or holding a character no text
    may hold; `code` says which: `empty`, `too-long` or `character`."""

    type = "query-invalid"
    title = "The search cannot be run"
    WHY: ClassVar[Mapping[str, str]] = {
        "empty": "holds nothing to search for: write at least two letters of a name, a date of "
        "birth, a phone or a document number",
        "too-long": f"is longer than {MAX_QUERY} characters",
        "character": "holds a character no text may hold",
    }

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.limit = MAX_QUERY
        super().__init__(f"the search {self.WHY[code]}" + (f": {detail}" if detail else ""))


def name_terms(text: str) -> frozenset[str]:
    """The terms of one recorded name (or of the name words of a query)."""
    return frozenset(itertools.chain.from_iterable(_word_terms(w) for w in _name_words(text)))


def birth_date_terms(value: str | date) -> frozenset[str]:
    """`{"b:1995-04-12"}` for a date (an ISO string or one of the query's forms); nothing for
    a value that is not a date."""
    if isinstance(value, str):
        found = _date_in(clean(value).strip())
        if found is None:
            return frozenset()
        value = found
    return frozenset({f"b:{value.isoformat()}"})


def phone_terms(text: str, country_code: str = "380") -> frozenset[str]:
    """`{"t:+380501234567"}` for a phone written in any usual way: `+380 50 123 45 67`,
    `00380501234567`, `(050) 123-45-67` (national: the leading 0 gives way to the country code)
    or `501234567` (a subscriber number of 9 digits where the country code is 380)."""
    cleaned = clean(text).strip()
    if not _PHONE.match(cleaned):
        return frozenset()
    digits = "".join(c for c in cleaned if c.isdigit())
    if cleaned.startswith("+"):
        e164 = digits
    elif digits.startswith("00"):
        e164 = digits[2:]
    elif digits.startswith(country_code) and len(digits) > 10:
        e164 = digits
    elif digits.startswith("0"):
        e164 = country_code + digits[1:]
    elif country_code == "380" and len(digits) == 9:
        e164 = country_code + digits
    else:
        return frozenset()
    return frozenset({f"t:+{e164}"}) if 8 <= len(e164) <= 15 else frozenset()


def number_terms(text: str) -> frozenset[str]:
    """`{"#:aa123456"}` for a document, application or certificate number ("АА 123456",
    "aa-123456" and "AA123456" are one; its digits alone are a term too when they are six or
    more: a search for "123456" finds it); nothing for a text without a letter or digit."""
    normal = _number(text)
    digits = "".join(c for c in normal if c.isdigit())
    alone = {f"#:{digits}"} if len(digits) >= 6 and digits != normal else set()
    return frozenset({f"#:{normal}", *alone}) if normal else frozenset()


@dataclass(frozen=True)
class Query:
    """What a search box text asks for: `terms` to look up in the index (the union over its
    parts), and for ranking its name words in the common Latin form, its date of birth (ISO),
    the numbers and phones it holds (normalised, as in their terms)."""

    terms: frozenset[str]
    names: tuple[str, ...]
    birth_date: str | None = None
    numbers: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    @property
    def name_terms(self) -> frozenset[str]:
        return frozenset(t for t in self.terms if t[:2] in ("n:", "p:", "d:"))


def parse_query(q: str, country_code: str = "380") -> Query:
    """A free search box text read as name words in either script, a date, a phone and document
    numbers, in any order; raises `QueryInvalid` when there is nothing searchable in it."""
    if len(q) > MAX_QUERY:
        raise QueryInvalid("too-long")
    problem = text_problem(q)
    if problem is not None:
        raise QueryInvalid("character", problem.message)
    text = clean(q)
    birth: date | None = None
    for match in _DATES.finditer(text):
        birth = birth or _date_in(match.group(0))
    if birth is not None:
        text = _DATES.sub(" ", text)
    terms: set[str] = set(birth_date_terms(birth)) if birth else set()
    phones: list[str] = []
    for run in _PHONE_RUN.findall(text):
        found = [t.removeprefix("t:") for t in phone_terms(run, country_code)]
        phones.extend(found)
        if found and (run[0] in "+(" or any(c in run for c in " ()")):  # written as a phone,
            text = text.replace(run, " ")  # not a number: its pieces are no numbers either
    numbers, name_text = _numbers(text)
    names = tuple(dict.fromkeys(_name_words(name_text)))
    terms.update(f"t:{p}" for p in phones)
    terms.update(f"#:{n}" for n in numbers)
    terms.update(itertools.chain.from_iterable(_word_terms(w) for w in names))
    if not terms:
        raise QueryInvalid("empty")
    return Query(
        frozenset(terms),
        names,
        birth.isoformat() if birth else None,
        tuple(numbers),
        tuple(dict.fromkeys(phones)),
    )


def similarity(query: Query, name: str) -> float:
    """How well the query's name words match a recorded name, 0 to 1: each query word paired
    with a different word of the name (the best pairing), Jaro-Winkler on the common Latin forms
    (or their round trips, whichever is closer), averaged over the pairs; a query word the name
    has no word left for (a patronymic not recorded) takes a tenth of its share off."""
    recorded = _name_words(name)
    if not query.names or not recorded:
        return 0.0
    scores = [[_word_similarity(q, r) for r in recorded] for q in query.names]
    paired = min(len(query.names), len(recorded))
    if len(query.names) <= 6 and len(recorded) <= 6:
        best = _best_pairing(scores, len(recorded))
    else:  # a long text: each query word takes its best match
        best = sum(sorted((max(row) for row in scores), reverse=True)[:paired])
    unpaired = len(query.names) - paired
    return best / paired * (1 - 0.1 * unpaired / len(query.names))


def _best_pairing(scores: list[list[float]], width: int) -> float:
    """The highest sum of scores over pairings of rows with distinct columns."""
    rows = range(len(scores))
    if len(scores) <= width:
        pairings = itertools.permutations(range(width), len(scores))
        return max(sum(scores[i][j] for i, j in zip(rows, p, strict=True)) for p in pairings)
    pairings = itertools.permutations(rows, width)  # more query words than the name has
    return max(sum(scores[i][j] for j, i in enumerate(p)) for p in pairings)


def _word_similarity(a: str, b: str) -> float:
    pairs = {(a, b), (round_trip(a), round_trip(b))}
    return max(JaroWinkler.similarity(x, y) for x, y in pairs)


def _name_words(text: str) -> list[str]:
    return [word[:MAX_WORD] for word in words(text)]


def _word_terms(word: str) -> Iterable[str]:
    again = round_trip(word)[:MAX_WORD]
    yield f"n:{word}"
    yield f"n:{again}"
    for form in {word, again}:
        key = skeleton(form)
        if len(key) >= 2:
            yield f"p:{key}"
    if len(word) in DELETIONS:
        yield f"d:{word}"
        yield from (f"d:{word[:i]}{word[i + 1 :]}" for i in range(len(word)))


def _date_in(text: str) -> date | None:
    match = _DATES.fullmatch(text)
    if match is None:
        return None
    year, month, day, day2, _, month2, year2 = match.groups()
    try:
        if year:
            return date(int(year), int(month), int(day))
        return date(int(year2), int(month2), int(day2))
    except ValueError:
        return None


def _number(text: str) -> str:
    kept = "".join(c for c in clean(text).translate(NUMBER_LOOKS).casefold() if c.isalnum())
    return kept[:60]


def _numbers(text: str) -> tuple[list[str], str]:
    """The numbers of a query (chunks with a digit, joined with a short letter series or other
    digit chunks written beside them: "АА 123456" is one number) and the text left for names."""
    chunks = text.split()
    numbers: list[str] = []
    used: set[int] = set()
    for i, chunk in enumerate(chunks):
        if not any(c.isdigit() for c in chunk):
            continue
        start = i
        while start > 0 and _series(chunks[start - 1]) and start - 1 not in used:
            start -= 1
        end = i + 1
        while end < len(chunks) and any(c.isdigit() for c in chunks[end]):
            end += 1
        for whole in dict.fromkeys(("".join(chunks[start:end]), chunk)):
            normal = _number(whole)
            if len(normal) >= 3 and normal not in numbers:
                numbers.append(normal)
        used.update(range(start, end))
    return numbers, " ".join(c for i, c in enumerate(chunks) if i not in used)


def _series(chunk: str) -> bool:
    """A short series of letters written before a number ("АА", "kb")."""
    return len(chunk) <= 3 and chunk.isalpha()
