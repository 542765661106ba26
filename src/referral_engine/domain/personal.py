"""Personal data rules: who may read which personal field, and what an erased field reads as.

Pure: the keys and the ciphers live in `referral_engine.adapters.crypto`; this module only
decides what a reader is shown. A personal field a reader may not see is replaced by a marker
saying why, so a client can tell "not yours to see" from "erased" from "never given".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from referral_engine.domain.access import Sight
from referral_engine.domain.markers import (
    ERASED,
    NOT_PERMITTED,
    erase,
    is_marker,
    shown_personal,
)
from referral_engine.domain.views import CaseView, HistoryEntry, Referral
from referral_engine.domain.workflow import WorkflowDefinition

__all__ = [
    "ERASED",
    "NOT_PERMITTED",
    "SUPERVISOR",
    "Disclosure",
    "erase",
    "is_marker",
    "narrowest",
    "shown_personal",
    "within_sight",
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


def narrowest(
    *personal: Mapping[str, frozenset[str]],
) -> Mapping[str, frozenset[str]]:
    """The personal fields of several workflow versions (an event's and the case's now), each
    readable only by the roles every version that declares it personal lets read it."""
    first = personal[0]
    if all(p is first or p == first for p in personal):
        return first
    names = {name for p in personal for name in p}
    return {
        name: frozenset.intersection(*(p[name] for p in personal if name in p)) for name in names
    }


def within_sight(view: CaseView, sight: Sight, workflow: WorkflowDefinition) -> CaseView:
    """The case as far as a reader who reaches it through referrals sees it: the case fields
    the workflow shares with a referral (other personal fields as not permitted, other fields
    left out), their own referrals, those referrals' deadlines and steps. A receiving region
    reading a case whose transfer waits for its answer sees it whole, but takes no step."""
    if sight.receiving:
        return replace(view, allowed_steps=())
    if sight.referrals is None:
        return view
    mine = sight.referrals
    return replace(
        view,
        data=_shared(view.data, workflow),
        referrals=tuple(r for r in view.referrals if r.id in mine),
        deadlines=tuple(d for d in view.deadlines if d.referral_id in mine),
        allowed_steps=tuple(
            s for s in view.allowed_steps if s.referral_id is None or s.referral_id in mine
        ),
    )


def history_within_sight(
    entries: list[HistoryEntry], sight: Sight, workflow: WorkflowDefinition
) -> list[HistoryEntry]:
    """The history as far as such a reader sees it: the steps of their referrals and the case
    steps their own agency took."""
    if sight.referrals is None:
        return entries
    mine = sight.referrals
    return [
        e
        for e in entries
        if e.referral_id in mine
        or (e.referral_id is None and e.actor.get("agency") == sight.agency)
    ]


def _shared(data: Mapping[str, Any], workflow: WorkflowDefinition) -> dict[str, Any]:
    shared = workflow.referrals.shared_fields if workflow.referrals else frozenset()
    return {
        name: value if name in shared else dict(NOT_PERMITTED)
        for name, value in data.items()
        if name in shared or name in workflow.personal
    }
