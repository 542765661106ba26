"""A tiny interpreter of workflow files, independent of the engine: plain `yaml.safe_load` and a
few lines per rule (sources, destinations, roles, required fields, flags, conditions, values
allowed only for some cases, earliest dates and the windows they close, deadlines, referrals,
migration, dates that make sense). The random-sequence tests check the engine against it,
so that "legal steps move exactly as the file says" is judged by the file, not by the code under
test.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from referral_engine.application.demo_agencies import ENTRIES, agreements
from referral_engine.domain.reporting import CITIZENSHIPS
from referral_engine.workflows.documents import Documents

PREVIOUS = "$previous"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LIMITS = {"string": 500, "text": 20_000}
REGISTRY = {e.slug: e for e in ENTRIES}
"""The synthetic agencies the engine's registry holds in these tests (as data: id, kind,
services, regions; their agreements with each oblast's state body)."""


class Step:
    """One transition as the file writes it."""

    def __init__(self, raw: dict[str, Any], live: list[str]) -> None:
        self.raw = raw
        self.trigger: str = raw["trigger"]
        self.event: str = raw["event"]
        source = raw.get("source", [])
        self.sources: list[str] = (
            live if source == "*" else [source] if isinstance(source, str) else source
        )
        self.dest: str | None = raw.get("dest")
        self.roles: set[str] = set(raw["roles"])
        self.fields: dict[str, dict[str, Any]] = raw.get("fields") or {}
        when = raw.get("when") or []
        self.when: list[dict[str, Any]] = [when] if isinstance(when, dict) else when
        self.not_before: dict[str, Any] | None = raw.get("not_before")
        self.names_agency: str | None = raw.get("names_agency")
        self.answers: str | None = raw.get("named_agency_only")
        self.until: str | None = raw.get("until_allowed")

    def holds(self, flags: set[str], data: dict[str, Any], on: date | None = None) -> bool:
        """Its flags are set and its conditions on the case data hold (an age on `on`)."""
        return set(self.raw.get("requires", [])) <= flags and conditions_hold(self.when, data, on)

    def values_fit(self, body: dict[str, Any], data: dict[str, Any]) -> bool:
        """Each value it records that only some cases may record fits the case's `data`."""
        for name, spec in self.fields.items():
            for value, conditions in (spec.get("values_when") or {}).items():
                listed = [conditions] if isinstance(conditions, dict) else conditions
                if body.get(name) == value and not conditions_hold(listed, data, None):
                    return False
        return True

    def within_limits(self, data: dict[str, Any], earlier: dict[str, Any], on: date) -> bool:
        """The dates it records keep within its limits (after a recorded date or its day)."""
        for limit in self.raw.get("limits") or []:
            value = data.get(limit["field"])
            for key, bound in (
                ("at_most", limit.get("at_most")),
                ("at_least", limit.get("at_least")),
            ):
                start = on if bound and bound["after"] == "$step" else None
                if bound and start is None and isinstance(earlier.get(bound["after"]), str):
                    start = date.fromisoformat(earlier[bound["after"]])
                if bound is None or start is None or not isinstance(value, str):
                    continue
                months = bound.get("years", 0) * 12 + bound.get("months", 0)
                edge = months_after(start, months) + timedelta(days=bound.get("days", 0))
                day = date.fromisoformat(value)
                if (key == "at_most" and day > edge) or (key == "at_least" and day < edge):
                    return False
        return True


def conditions_hold(when: list[dict[str, Any]], data: dict[str, Any], on: date | None) -> bool:
    """`equals` a value of its type, one of `one_of`, `not_equals` a recorded one, or
    `age_below` on `on`."""
    for c in when:
        value = data.get(c["field"])
        if "age_below" in c:
            if not isinstance(value, str):
                return False
            born = date.fromisoformat(value)
            if on is not None:
                age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
                if age >= c["age_below"]:
                    return False
        elif "not_equals" in c:
            if type(value) is not type(c["not_equals"]) or value == c["not_equals"]:
                return False
        elif not any(
            type(value) is type(w) and value == w for w in c.get("one_of") or [c.get("equals")]
        ):
            return False
    return True


def months_after(start: date, months: int) -> date:
    """The same day `months` later, or that month's last day."""
    year, month = start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class Rules:
    """What one workflow file says."""

    def __init__(self, path: Path) -> None:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "extends" in doc:  # the merge itself is pinned against a written-out copy elsewhere
            doc = Documents.around(path).resolved(path)
        self.id: str = doc["id"]
        self.version: int = doc["version"]
        self.roles: list[str] = sorted(doc["roles"])
        self.terminal = {n for n, s in doc["states"].items() if (s or {}).get("terminal")}
        self.states: set[str] = set(doc["states"])
        live = [n for n in doc["states"] if n not in self.terminal]
        self.opening: dict[str, Any] = doc["opening"]
        self.steps = [Step(t, live) for t in doc["transitions"]]
        refs = doc.get("referrals") or {}
        ref_live = [
            n for n, s in (refs.get("states") or {}).items() if not (s or {}).get("terminal")
        ]
        self.send = Step({"source": [], **refs["send"]}, []) if refs else None
        self.ref_states: set[str] = set(refs.get("states") or {})
        self.ref_steps = [Step(t, ref_live) for t in refs.get("transitions", [])]
        allowed = [a if isinstance(a, dict) else {"state": a} for a in refs.get("allowed_in", [])]
        self.allowed_in: set[str] = {a["state"] for a in allowed}
        self.allowed_when: dict[str, list[dict[str, Any]]] = {
            a["state"]: [a["when"]] if isinstance(a["when"], dict) else a["when"]
            for a in allowed
            if "when" in a
        }
        self.active_in: set[str] | None = set(refs["active_in"]) if "active_in" in refs else None
        self.agreement: dict[str, Any] | None = refs.get("agreement")
        calendar = doc.get("calendar") or {}
        self.weekend = {WEEKDAYS.index(d) for d in calendar.get("weekend", ["saturday", "sunday"])}
        self.holidays: set[date] = set(calendar.get("holidays", []))
        self.time_zone = ZoneInfo(calendar.get("time_zone", "UTC"))
        self.migration: dict[str, Any] = doc.get("migration") or {}
        self.withheld: list[dict[str, Any]] = doc.get("withheld") or []
        self.deadlines: list[dict[str, Any]] = doc.get("deadlines") or []

    def step(self, state: str, trigger: str) -> Step | None:
        return next((s for s in self.steps if s.trigger == trigger and state in s.sources), None)

    def ref_step(self, state: str, trigger: str) -> Step | None:
        return next(
            (s for s in self.ref_steps if s.trigger == trigger and state in s.sources), None
        )

    def reachable(self, state: str) -> set[str]:
        """Triggers that can still be fired from `state` or any state it leads to (a return to
        the previous state may lead anywhere)."""
        seen, todo = {state}, [state]
        while todo:
            here = todo.pop()
            for s in self.steps:
                if here in s.sources:
                    leads = self.states if s.dest == PREVIOUS else {s.dest or here}
                    todo += sorted(leads - seen)
                    seen |= leads
        return {s.trigger for s in self.steps if seen & set(s.sources)}

    def earliest(self, on: date, rule: dict[str, Any]) -> date:
        if rule.get("months"):
            return months_after(on, rule["months"])
        if rule.get("calendar", "calendar") != "working":
            return on + timedelta(days=rule["days"])
        day, left = on, rule["days"]
        while left:
            day += timedelta(days=1)
            left -= day.weekday() not in self.weekend and day not in self.holidays
        return day


def fits(fields: dict[str, dict[str, Any]], data: dict[str, Any], region: str) -> bool:
    """Each agency the (valid) data names is registered and of a kind, offering a service and
    serving a region as its field asks."""
    for name, spec in fields.items():
        entry = REGISTRY.get(data.get(name, "")) if spec["type"] == "agency" else None
        if spec["type"] != "agency" or name not in data:
            continue
        if entry is None or (spec.get("kinds") and entry.kind not in spec["kinds"]):
            return False
        if spec.get("provides") and data[spec["provides"]] not in entry.services:
            return False
        if spec.get("serves_case_region") and region not in entry.regions:
            return False
    return True


def agreed(agency: str, service: str, region: str) -> bool:
    """The agency is a state body of the region, or has an agreement with one for the service
    (the synthetic ones run from 2024 with no end)."""
    bodies = {e.slug for e in ENTRIES if e.kind == "state_body" and region in e.regions}
    entry = REGISTRY.get(agency)
    return agency in bodies or any(
        a["with_agency"] in bodies and service in a["services"]  # type: ignore[operator]
        for a in (agreements(entry) if entry else [])
    )


def _listed(value: Any) -> list[str]:
    """A bound given as one word or a list of them."""
    return [value] if isinstance(value, str) else list(value or [])


def valid(fields: dict[str, dict[str, Any]], data: dict[str, Any]) -> bool:
    """Every required field given, nothing undeclared, each value of its declared type."""
    if set(data) - set(fields):
        return False
    return all(
        _fits(spec, data[name]) if data.get(name) is not None else not spec.get("required")
        for name, spec in fields.items()
    )


def _fits(spec: dict[str, Any], value: Any) -> bool:
    kind, values = spec["type"], spec.get("values", [])
    if kind in LIMITS:
        return isinstance(value, str) and bool(value.strip()) and len(value) <= LIMITS[kind]
    if kind == "enum":
        return value in values
    if kind == "enum_list":
        distinct = isinstance(value, list) and len(set(value)) == len(value) > 0
        return distinct and set(value) <= set(values)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "country":
        return value in CITIZENSHIPS
    if kind == "agency":
        return isinstance(value, str) and bool(re.fullmatch(r"[a-z0-9][a-z0-9-]*[a-z0-9]", value))
    if kind == "int":
        low, high = spec.get("min"), spec.get("max")
        return (
            type(value) is int and (low is None or value >= low) and (high is None or value <= high)
        )
    return isinstance(value, str)  # dates and times: the generator writes them in ISO form


@dataclass
class Expected:
    """The case as the file says it must be after the commands accepted so far."""

    rules: Rules
    state: str
    data: dict[str, Any]
    flags: set[str]
    last_occurred: datetime
    version: int = 1
    previous: str | None = None
    referrals: dict[str, dict[str, Any]] = field(default_factory=dict)
    guards: dict[str, date] = field(default_factory=dict)
    """Trigger -> the earliest date it may be taken on."""
    deadlines: dict[tuple[str, str | None], date] = field(default_factory=dict)
    """(Deadline name, referral id or None) -> due date."""
    region: str = "UA-32"
    addressed: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Trigger -> the sender's and the addressee's agency of its latest addressed step."""
    opened_at: datetime | None = None
    events: set[str] = field(default_factory=set)
    """The names of the events the case recorded (a migration's `happened` reads them)."""

    def case_step(self, trigger: str, role: str, on: date, agency: str = "") -> Step | None:
        """The step `role` of `agency` may take with `trigger` on day `on`, or None."""
        step = self.rules.step(self.state, trigger)
        if step is None or role not in step.roles or not step.holds(self.flags, self.data, on):
            return None
        if step.answers and self.addressed.get(step.answers, ("", ""))[1] != agency:
            return None
        held = self.guards.get(trigger) if step.not_before else None
        closes = self.guards.get(step.until) if step.until else None  # its window's end
        if (held is not None and on < held) or (closes is not None and on >= closes):
            return None
        return step

    def may_send(self, role: str, on: date) -> bool:
        send = self.rules.send
        return (
            send is not None
            and self.state in self.rules.allowed_in
            and conditions_hold(self.rules.allowed_when.get(self.state, []), self.data, on)
            and role in send.roles
            and send.holds(self.flags, self.data)
        )

    def referral_step(self, rid: str, trigger: str, role: str, agency: str) -> Step | None:
        referral = self.referrals.get(rid)
        active = self.rules.active_in is None or self.state in self.rules.active_in
        if referral is None or not active:
            return None
        step = self.rules.ref_step(referral["state"], trigger)
        both = {**self.data, **referral["data"]}  # its conditions read the referral's data too
        if step is None or role not in step.roles or not step.holds(self.flags, both):
            return None
        if step.raw.get("receiving_agency_only") and agency != referral["agency"]:
            return None
        return step

    def offered(self, role: str, agency: str, on: date) -> set[tuple[str | None, str]]:
        """(referral id or None, trigger) of every step `role` of `agency` may take now."""
        found = {
            (None, s.trigger)
            for s in self.rules.steps
            if self.case_step(s.trigger, role, on, agency)
        }
        if self.may_send(role, on):
            assert self.rules.send is not None
            found.add((None, self.rules.send.trigger))
        for rid in self.referrals:
            for s in self.rules.ref_steps:
                if self.referral_step(rid, s.trigger, role, agency):
                    found.add((rid, s.trigger))
        return found

    def record(self, step: Step, occurred: datetime, rid: str | None = None) -> None:
        """The effects every event shares: flags, earliest dates it starts, deadlines (their
        conditions on the data it leaves), the version."""
        self.flags = (self.flags | set(step.raw.get("sets", []))) - set(step.raw.get("clears", []))
        self.events.add(step.event)
        if rid is None and step is not self.rules.send:
            self.guards.pop(step.trigger, None)
        reachable = self.rules.reachable(self.state)  # a step the case can never take again
        self.guards = {t: day for t, day in self.guards.items() if t in reachable}
        self.start_guards(step.event, occurred.date())
        left = {**self.data, **(self.referrals[rid]["data"] if rid else {})}
        self.move_deadlines(step.event, rid, occurred.date(), left)
        self.version += 1
        self.last_occurred = max(self.last_occurred, occurred)

    def start_guards(self, event: str, on: date) -> None:
        for s in self.rules.steps:
            if s.not_before and event in s.not_before["after"]:
                self.guards[s.trigger] = self.rules.earliest(on, s.not_before)

    def move_deadlines(
        self, event: str, rid: str | None, on: date, data: dict[str, Any] | None = None
    ) -> None:
        """Stop the deadlines `event` stops (a referral's event only its own), start the ones it
        starts (for its referral, if any) whose conditions hold on `data`, due `days` calendar
        or working days later, or `months` calendar months."""
        for d in self.rules.deadlines:
            if event in d["stops_on"]:
                self.deadlines = {
                    (name, r): due
                    for (name, r), due in self.deadlines.items()
                    if not (name == d["name"] and rid in (None, r))
                }
        for d in self.rules.deadlines:
            when = d.get("when") or []
            when = [when] if isinstance(when, dict) else when
            if event in d["starts_on"] and conditions_hold(when, data or {}, on):
                self.deadlines[(d["name"], rid)] = self.rules.earliest(on, d)

    def accepts(self, step: Step, data: dict[str, Any], on: date) -> bool:
        """The agencies the step's data names fit, a referral's has its agreement, the values
        only some cases may record fit this one, and the dates it records keep within its
        limits."""
        if not fits(step.fields, data, self.region) or not step.within_limits(data, self.data, on):
            return False
        if not step.values_fit(data, self.data) or self.withholds(step, data):
            return False
        rule = self.rules.agreement if step is self.rules.send else None
        return rule is None or agreed(data["agency"], data["service"], self.region)

    def withholds(self, step: Step, data: dict[str, Any]) -> bool:
        """A case step would leave the case holding a field a `withheld` rule keeps from it in
        the state and with the flags the step leaves: one the step records, or one the case
        held, unless it held it already where it stands (a case opened before the rule)."""
        if step not in self.rules.steps:
            return False
        dest = (self.previous if step.dest == PREVIOUS else step.dest) or self.state
        flags = (self.flags | set(step.raw.get("sets", []))) - set(step.raw.get("clears", []))
        found = withheld_fields(self.rules.withheld, dest, flags, {**self.data, **data})
        if found and dest == self.state:
            held = withheld_fields(self.rules.withheld, self.state, self.flags, self.data)
            found = [name for name in found if name not in held or name in data]
        return bool(found)

    def dates_fit(self, step: Step, data: dict[str, Any], occurred: datetime) -> bool:
        """Each date the (valid) data gives is within the bounds its field declares, on the
        workflow's local days, and a date of birth agrees with the child flag on the day the
        case was opened (the case's data only: no shipped referral field names another)."""
        zone = self.rules.time_zone
        today = occurred.astimezone(zone).date()
        opened = (self.opened_at or occurred).astimezone(zone).date()
        for name, spec in step.fields.items():
            if spec["type"] != "date" or not isinstance(data.get(name), str):
                continue
            value = date.fromisoformat(data[name])
            for key in ("not_after", "not_before"):
                for bound in _listed(spec.get(key)):
                    if bound in ("today", "opened"):
                        on: date | None = today if bound == "today" else opened
                    else:
                        given = self.data.get(bound) if bound == name else data.get(bound)
                        given = self.data.get(bound) if given is None else given
                        on = date.fromisoformat(given) if isinstance(given, str) else None
                    late = on is not None and value > on and key == "not_after"
                    if late or (on is not None and value < on and key == "not_before"):
                        return False
            child = data.get(spec.get("child_flag"), self.data.get(spec.get("child_flag")))
            if isinstance(child, bool) and value <= opened:
                years = (
                    opened.year
                    - value.year
                    - ((opened.month, opened.day) < (value.month, value.day))
                )
                if (years < 18) != child:
                    return False
        return True

    def take(self, step: Step, data: dict[str, Any], occurred: datetime, agency: str) -> None:
        if step.names_agency:
            self.addressed[step.trigger] = (agency, data[step.names_agency])
        elif step.answers:
            self.addressed[step.trigger] = (agency, self.addressed[step.answers][0])
        dest = self.previous if step.dest == PREVIOUS else step.dest
        dest = dest or self.state
        if dest != self.state:
            self.previous = self.state
        self.state = dest
        self.data.update(data)
        self.record(step, occurred)

    def send_referral(self, data: dict[str, Any], occurred: datetime) -> str:
        assert self.rules.send is not None
        rid = f"r{len(self.referrals) + 1}"
        self.referrals[rid] = {
            "state": self.rules.send.dest,
            "agency": data["agency"],
            "data": data,
        }
        self.record(self.rules.send, occurred, rid)
        return rid

    def take_referral_step(self, rid: str, step: Step, occurred: datetime) -> None:
        self.referrals[rid]["state"] = step.dest or self.referrals[rid]["state"]
        self.record(step, occurred, rid)

    def migrate(self, target: Rules) -> bool:
        """Move to `target` as its `migration` says; False when a state has no counterpart."""
        states = dict(target.migration.get("states") or {})
        ref_states = target.migration.get("referral_states") or {}
        for happened in target.migration.get("happened") or []:
            if happened["event"] not in self.events:
                continue
            if self.state in happened.get("refused", []):
                return False
            states.update(happened.get("states") or {})
        state, previous = states.get(self.state, self.state), self.previous
        if previous is not None:
            previous = states.get(previous, previous)
        moved = {rid: ref_states.get(r["state"], r["state"]) for rid, r in self.referrals.items()}
        if {state, previous or state} - target.states or set(moved.values()) - target.ref_states:
            return False
        guarded = {s.trigger for s in target.steps if s.not_before}
        self.guards = {t: d for t, d in self.guards.items() if t in guarded}
        names = {d["name"] for d in target.deadlines}
        self.deadlines = {k: due for k, due in self.deadlines.items() if k[0] in names}
        self.rules, self.state, self.previous = target, state, previous
        for rid, new in moved.items():
            self.referrals[rid]["state"] = new
        self.version += 1
        return True


def withheld_fields(
    rules: list[dict[str, Any]], state: str, flags: set[str], data: dict[str, Any]
) -> list[str]:
    """The fields `data` holds that the workflow's `withheld` rules keep from a case in `state`
    with `flags`."""
    found = []
    for rule in rules:
        when = rule.get("when") or []
        when = [when] if isinstance(when, dict) else when
        if state not in rule["states"] or flags & set(rule.get("unless", [])):
            continue
        if conditions_hold(when, data, None):
            found += [f for f in rule["fields"] if data.get(f) is not None]
    return found
