"""Personal data rules: who may read which personal field, and what an erased field reads as.

Pure: the keys and the ciphers live in `referral_engine.crypto`; this module only decides what a
reader is shown. A personal field a reader may not see is replaced by a marker saying why, so a
client can tell "not yours to see" from "erased" from "never given".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # views import the case, which imports these markers
    from referral_engine.domain.views import CaseView, HistoryEntry, Referral

ERASED: Mapping[str, str] = {"redacted": "erased"}
"""What a personal field reads as once its case's key is destroyed."""
NOT_PERMITTED: Mapping[str, str] = {"redacted": "not-permitted"}
"""What a personal field reads as for a reader whose role or region may not see it."""
SUPERVISOR = "supervisor"


def is_marker(value: object) -> bool:
    return isinstance(value, Mapping) and set(value) == {"redacted"}


def shown_personal(data: Mapping[str, Any], personal: Mapping[str, Any]) -> set[str]:
    """The personal fields of `data` that hold a value (not a redaction marker)."""
    return {name for name, value in data.items() if name in personal and not is_marker(value)}


def erase(data: Mapping[str, Any], personal: Mapping[str, frozenset[str]]) -> dict[str, Any]:
    """`data` with every personal field replaced by the erased marker."""
    return {k: dict(ERASED) if k in personal else v for k, v in data.items()}


class Disclosure:
    """What one reader may see of a workflow's personal fields; collects what it disclosed."""

    def __init__(self, personal: Mapping[str, frozenset[str]], role: str | None) -> None:
        self.personal = personal
        self.role = role
        self.disclosed: set[str] = set()

    def data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        for name, value in data.items():
            readers = self.personal.get(name)
            if readers is None or is_marker(value):
                shown[name] = value
            elif self.role is not None and self.role in readers:
                shown[name] = value
                self.disclosed.add(name)
            else:
                shown[name] = dict(NOT_PERMITTED)
        return shown

    def case(self, view: CaseView) -> CaseView:
        return replace(
            view,
            data=self.data(view.data),
            referrals=tuple(self._referral(r) for r in view.referrals),
        )

    def history(self, entries: list[HistoryEntry]) -> list[HistoryEntry]:
        return [replace(e, data=self.data(e.data)) for e in entries]

    def _referral(self, referral: Referral) -> Referral:
        steps = tuple({**s, "data": self.data(s.get("data", {}))} for s in referral.steps)
        return replace(referral, data=self.data(referral.data), steps=steps)
