"""Synthetic cases shaped like Ukraine's, for the HTCDS export's tests and benchmark: a past
register in the Ministry's columns (application/demo_register.py) whose sex, age, citizenship and
forms of exploitation follow the proportions of the Ministry of Social Policy's published
breakdowns of persons granted the status (rounded: women a majority, labour exploitation far
ahead of sexual, nearly all Ukrainian citizens, mostly aged 25 to 54), plus the day the
exploitation began and the country of
exploitation as free text, the way it is typed: its name in Ukrainian mostly, sometimes in
English or Russian, with either apostrophe, or words naming no country. Imported by the
register import (application/importing.py), which seals the personal fields as any case's.

Every personal text cell carries `marker` (a made-up name), so that a test can check that none
of it reaches an export. No real person appears.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path

from referral_engine.application.demo_register import COLUMNS, OUTCOMES, REGIONS, _d

SEXES = {"ж": 56, "ч": 43, "": 1}
"""Women a majority."""
CITIZENSHIPS = {
    "Україна": 93,
    "Молдова": 2,
    "Білорусь": 1,
    "Грузія": 1,
    "Особа без громадянства": 1,
    "Невідомо": 2,
}
FORMS = {
    "трудова": 64,
    "сексуальна": 20,
    "трудова; сексуальна": 5,
    "жебракування": 4,
    "злочинна діяльність": 3,
    "змішана": 2,
    "інша": 2,
}
EXPLOITED_IN = {
    "Україна": 30,
    "Росія": 18,
    "Польща": 14,
    "Чехія": 6,
    "Німеччина": 5,
    "Туреччина": 3,
    "Ізраїль": 2,
    "Об'єднані Арабські Емірати": 1,
    "Обʼєднані Арабські Емірати": 1,
    "Poland": 3,
    "Czechia": 1,
    "Россия": 3,
    "Германия": 1,
    "Невідомо": 4,
    "за кордоном": 2,
    "": 6,
}
"""The country of exploitation as typed (the register's free text), and its weight."""
AGES = {(12, 14): 2, (15, 17): 5, (18, 24): 14, (25, 34): 27, (35, 44): 27, (45, 54): 17}
AGES |= {(55, 64): 7, (65, 70): 1}
"""Age when the exploitation began (years, both ends included) and its weight."""
BEGAN = "Дата початку експлуатації"
WHERE = "Країна експлуатації"
MAPPING_LINE = f'  "{BEGAN}": exploitation_began_on\n  "{WHERE}": country_of_exploitation\n'
PERSONAL: tuple[str, ...] = ("ПІБ", "Номер заяви", "Номер відповіді поліції", "Номер довідки")
PERSONAL += ("Обґрунтування відмови",)
"""The register's text columns holding personal fields (docs/import/ministry-register.yaml)."""


def mapping(root: Path) -> str:
    """The Ministry register's mapping with the columns of the day the exploitation began and
    of the country of exploitation."""
    text = (root / "docs" / "import" / "ministry-register.yaml").read_text(encoding="utf-8")
    return text.replace("columns:\n", "columns:\n" + MAPPING_LINE, 1)


def register(rows: int, *, seed: int = 21, marker: str, years: tuple[int, int]) -> bytes:
    """`rows` synthetic rows screened in `years` (both included), as CSV."""
    rng = random.Random(seed)
    table = [[*COLUMNS, BEGAN, WHERE]]
    table += [_row(number, rng, marker, years) for number in range(1, rows + 1)]
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(table)
    return out.getvalue().encode("utf-8-sig")


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _row(number: int, rng: random.Random, marker: str, years: tuple[int, int]) -> list[str]:
    word = _pick(rng, {w: n for w, (_, n) in OUTCOMES.items()})
    state = OUTCOMES[word][0]
    screened = date(rng.randint(*years), rng.randint(1, 12), rng.randint(1, 28))
    low, high = rng.choices(list(AGES), list(AGES.values()))[0]
    began = screened - timedelta(days=rng.randint(30, 700))
    born = began - timedelta(days=rng.randint(low * 365 + 1, high * 365 + 300))
    days = [screened + timedelta(days=d) for d in sorted(rng.sample(range(1, 60), 5))]
    applied, interviewed, sent, answered, decided = days
    level = {"screened": 0, "application_registered": 1, "awaiting_verification": 2}
    level |= {"identified": 3, "status_granted": 4, "status_refused": 4}
    at = level[state]
    granted, refused = state == "status_granted", state == "status_refused"
    child = "так" if (screened - born).days < 18 * 365 else "ні"
    return [
        str(number), rng.choice(REGIONS), f"{marker} {number}", _d(born), _pick(rng, SEXES),
        _pick(rng, CITIZENSHIPS), child,
        rng.choice(["Національна поліція", "ДПСУ", "ГО", "Гаряча лінія"]), "обман; примус",
        _pick(rng, FORMS), _d(screened), _d(applied) if at >= 1 else "",
        f"{marker} З-{number}" if at >= 1 else "", _d(interviewed) if at >= 2 else "",
        "ГУНП у Київській області" if at >= 2 else "", _d(sent) if at >= 2 else "",
        _d(answered) if at >= 3 else "", "підтверджено" if at >= 3 else "",
        f"{marker} П-{number}" if at >= 3 else "", _d(decided) if at >= 4 else "",
        f"{marker} Д-{number}" if granted else "",
        _d(decided + timedelta(days=730)) if granted else "",
        "факти не встановлено" if refused else "", f"{marker}: обґрунтування" if refused else "",
        word, _d(began), _pick(rng, EXPLOITED_IN),
    ]  # fmt: skip
