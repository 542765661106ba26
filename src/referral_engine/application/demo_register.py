"""A synthetic past register in the Ministry's usual columns (docs/import/ministry-register.yaml),
with the counts it holds, for the demo, the tests and the import benchmark. Names are made up and
marked synthetic; no real person appears.

`bad` rows are spoiled in ten ways an import must refuse, each reported with its column."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from openpyxl import Workbook

from referral_engine.application.demo import FIRST_NAMES, LAST_NAMES

REGIONS = ("Київська область", "Львівська область", "UA-51", "Харківська область", "UA-12")
REGION_CODES = {"Київська область": "UA-32", "Львівська область": "UA-46", "UA-51": "UA-51"}
REGION_CODES |= {"Харківська область": "UA-63", "UA-12": "UA-12"}
OUTCOMES = {  # the register's word -> the state it means, with its weight
    "статус встановлено": ("status_granted", 55),
    "відмовлено": ("status_refused", 15),
    "на розгляді": ("identified", 10),
    "на перевірці в поліції": ("awaiting_verification", 8),
    "заяву зареєстровано": ("application_registered", 7),
    "виявлено": ("screened", 5),
}
COLUMNS = (
    "№ з/п", "Область", "ПІБ", "Дата народження", "Стать", "Громадянство", "Дитина",
    "Хто виявив", "Ознаки", "Форма експлуатації", "Дата виявлення", "Дата заяви", "Номер заяви",
    "Дата співбесіди", "Підрозділ поліції", "Дата запиту до поліції", "Дата відповіді поліції",
    "Результат перевірки", "Номер відповіді поліції", "Дата рішення", "Номер довідки",
    "Довідка чинна до", "Підстава відмови", "Обґрунтування відмови", "Стан",
)  # fmt: skip
FIRST_YEAR, LAST_YEAR = 2012, 2025
STEPS_AFTER = {"application_registered", "awaiting_verification", "identified"}


@dataclass
class Expected:
    """What the register holds: counts by year and outcome, the bad rows by their kind."""

    screened: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(year screened, region code) -> persons screened."""
    applied: Counter[str] = field(default_factory=Counter)
    granted: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    bad: dict[int, str] = field(default_factory=dict)
    """Row number -> the kind of spoiling (the column it concerns follows from the kind)."""
    names: list[str] = field(default_factory=list)

    @property
    def good(self) -> int:
        return sum(self.states.values())


def synthetic_register(
    rows: int, *, seed: int = 7, bad: int = 0, xlsx: bool = False
) -> tuple[bytes, Expected]:
    """A register of `rows` good rows and `bad` spoiled ones (spread among them)."""
    rng = random.Random(seed)
    expected = Expected()
    table: list[list[str]] = []
    spoil_at = set(rng.sample(range(rows + bad), bad)) if bad else set()
    kinds = list(BAD_KINDS)
    for n in range(rows + bad):
        row = _row(n + 1, rng)
        if n in spoil_at:
            kind = kinds[len(expected.bad) % len(kinds)]
            BAD_KINDS[kind](row, rng, table)
            expected.bad[n + 2] = kind
        else:
            _count(row, expected)
        table.append(row)
    return (_xlsx(table) if xlsx else _csv(table)), expected


def _row(number: int, rng: random.Random) -> list[str]:
    word = rng.choices(list(OUTCOMES), [w for _, w in OUTCOMES.values()])[0]
    state = OUTCOMES[word][0]
    screened = date(rng.randint(FIRST_YEAR, LAST_YEAR), rng.randint(1, 12), rng.randint(1, 28))
    born = screened - timedelta(days=rng.randint(19 * 365, 60 * 365))
    days = [screened + timedelta(days=d) for d in sorted(rng.sample(range(1, 60), 5))]
    applied, interviewed, sent, answered, decided = days
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {number} (synthetic)"
    reached = {"screened": 0, "application_registered": 1, "awaiting_verification": 2}
    reached |= {"identified": 3, "status_granted": 4, "status_refused": 4}
    level = reached[state]
    return [
        str(number), rng.choice(REGIONS), name, _d(born), rng.choice(["ж", "ч", "жін.", "чол."]),
        rng.choice(["Україна", "Україна", "Молдова", "Грузія", "Невідомо"]), "ні",
        rng.choice(["Національна поліція", "ДПСУ", "ГО", "Гаряча лінія"]),
        "обман; примус", rng.choice(["трудова", "сексуальна", "трудова; жебракування"]),
        _d(screened), _d(applied) if level >= 1 else "", f"З-{number}" if level >= 1 else "",
        _d(interviewed) if level >= 2 else "", "ГУНП у Київській області" if level >= 2 else "",
        _d(sent) if level >= 2 else "", _d(answered) if level >= 3 else "",
        "підтверджено" if level >= 3 else "", f"П-{number}" if level >= 3 else "",
        _d(decided) if level >= 4 else "",
        f"Д-{number}" if state == "status_granted" else "",
        _d(decided + timedelta(days=730)) if state == "status_granted" else "",
        "факти не встановлено" if state == "status_refused" else "",
        "Синтетичне обґрунтування" if state == "status_refused" else "",
        word,
    ]  # fmt: skip


def _count(row: list[str], expected: Expected) -> None:
    cell = dict(zip(COLUMNS, row, strict=True))
    state = OUTCOMES[cell["Стан"]][0]
    region = REGION_CODES[cell["Область"]]
    expected.screened[(cell["Дата виявлення"][-4:], region)] += 1
    expected.states[state] += 1
    expected.names.append(cell["ПІБ"])
    if cell["Дата заяви"]:
        expected.applied[cell["Дата заяви"][-4:]] += 1
    if state == "status_granted":
        expected.granted[cell["Дата рішення"][-4:]] += 1
    if state == "status_refused":
        expected.refused[cell["Дата рішення"][-4:]] += 1


def _set(column: str, value: str) -> Callable[[list[str], random.Random, list[list[str]]], None]:
    def spoil(row: list[str], rng: random.Random, table: list[list[str]]) -> None:
        row[COLUMNS.index(column)] = value

    return spoil


def _registered_without_its_date(row: list[str], rng: random.Random, _: list[list[str]]) -> None:
    row[COLUMNS.index("Стан")] = "заяву зареєстровано"
    row[COLUMNS.index("Дата заяви")] = ""


def _repeated_id(row: list[str], rng: random.Random, table: list[list[str]]) -> None:
    row[0] = table[0][0] if table else "1"


def _decided_before_applied(row: list[str], rng: random.Random, _: list[list[str]]) -> None:
    row[COLUMNS.index("Дата виявлення")] = "15.06.2020"
    row[COLUMNS.index("Дата заяви")] = "01.06.2020"
    row[COLUMNS.index("Стан")] = "заяву зареєстровано"
    row[COLUMNS.index("Номер заяви")] = "З-X"


BAD_KINDS: dict[str, Callable[[list[str], random.Random, list[list[str]]], None]] = {
    "unknown sex": _set("Стать", "?"),
    "impossible date": _set("Дата виявлення", "31.02.2019"),
    "unknown state": _set("Стан", "невідомий стан"),
    "date out of order": _decided_before_applied,
    "no row id": _set("№ з/п", ""),
    "repeated row id": _repeated_id,
    "unknown region": _set("Область", "Атлантида"),
    "no name": _set("ПІБ", ""),
    "control character": _set("ПІБ", "Синтетична\u202eОсоба"),
    "step without its date": _registered_without_its_date,
}


def _d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _csv(table: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(table)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(table: list[list[str]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Реєстр")
    sheet.append(list(COLUMNS))
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
