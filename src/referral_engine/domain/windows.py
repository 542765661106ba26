"""Windows: a step allowed only until another step's earliest date (`until_allowed`).

A reconsideration may be asked for within 30 days of a negative decision, and the case may not
be closed while it may: one period, declared once as the closure's earliest date; the request
names the closure and is allowed only until that date. The date is the guard's, recorded in the
event that started it (clocks.py), so replay never recomputes it. A window whose guard does not
run (never started, as for a case migrated from a version that declared none) is open: nothing
recorded says it closed. Pure."""

from __future__ import annotations

from datetime import date, timedelta

from referral_engine.domain.errors import DomainError
from referral_engine.domain.records import CaseFacts, EarliestDate
from referral_engine.domain.workflow import TransitionSpec


class TooLate(DomainError):
    type = "too-late"
    title = "This step is no longer allowed"

    def __init__(self, trigger: str, closed_by: str, guard: EarliestDate) -> None:
        self.trigger = trigger
        self.closed_by = closed_by
        self.latest_on = guard.earliest_on - timedelta(days=1)
        self.after = guard.after
        self.started_on = guard.started_on
        super().__init__(
            f"'{trigger}' may not be taken after {self.latest_on.isoformat()}: its window closed "
            f"when '{closed_by}' became allowed (counted from {guard.after} on "
            f"{guard.started_on.isoformat()})"
        )


def too_late(case: CaseFacts, spec: TransitionSpec, on: date) -> EarliestDate | None:
    """The guard whose earliest date closed the step's window by `on`, if any."""
    if spec.until_allowed is None:
        return None
    guard = case.guards.get(spec.until_allowed)
    if guard is None or on < date.fromisoformat(guard["earliest_on"]):
        return None
    return EarliestDate.of(guard)


def check_until(case: CaseFacts, spec: TransitionSpec, on: date) -> None:
    """The step's window, if it has one, is still open on `on`."""
    if (guard := too_late(case, spec, on)) is not None:
        assert spec.until_allowed is not None
        raise TooLate(spec.trigger, spec.until_allowed, guard)
