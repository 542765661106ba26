"""Personal data rules: who may read which personal field, and what an erased field reads as.

Pure: the keys and the ciphers live in `referral_engine.adapters.crypto`; this module only
decides what a reader is shown. A personal field a reader may not see is replaced by a marker
saying why, so a client can tell "not yours to see" from "erased" from "never given".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from referral_engine.domain.markers import (
    ERASED,
    NOT_PERMITTED,
    erase,
    is_marker,
    shown_personal,
)
from referral_engine.domain.views import CaseView, HistoryEntry, Referral

__all__ = [
    "ERASED",
    "NOT_PERMITTED",
    "SUPERVISOR",
    "Disclosure",
    "erase",
    "is_marker",
    "shown_personal",
]

SUPERVISOR = "supervisor"


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
