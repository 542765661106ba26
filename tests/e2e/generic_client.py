"""A generic API client for e2e stories: it knows the API, a goal and its users, and nothing of
the workflow beyond what `GET /api/workflows/{id}` serves."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
from fastapi.testclient import TestClient

from referral_engine.application.demo import synthetic_data
from referral_engine.domain.date_rules import DateFacts
from referral_engine.domain.fields import FieldSpec, FieldType
from tests.e2e.conftest import KYIV, Caller
from tests.factories import FixedClock


def receiving_roles(served: dict[str, Any]) -> set[str]:
    """The roles that answer referrals as the receiving agency."""
    referrals = served["referrals"] or {"transitions": []}
    return {r for t in referrals["transitions"] if t["receiving_agency_only"] for r in t["roles"]}


@dataclass
class Offer:
    """A step the API offered one user on one version of the case."""

    user: Caller
    step: dict[str, Any]
    version: int


@dataclass
class GenericClient:
    """Opens a case and moves it towards a goal state, then towards a goal referral event,
    choosing only among the steps the API offers each user, posted where the API says."""

    client: TestClient
    served: dict[str, Any]
    users: list[Caller]
    agency: str
    clock: FixedClock
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    refused: list[str] = field(default_factory=list)
    taken: list[tuple[str, str]] = field(default_factory=list)
    """Each step taken: its trigger and where it was posted."""
    region: str = KYIV
    named: set[str] = field(default_factory=set)
    """The fields an agency of the registry was chosen for."""
    opened_at: datetime | None = None
    seen: dict[str, Any] = field(default_factory=dict)
    """The case as last read (by a supervisor where one is among the users)."""

    def walk(self, goal_state: str, goal_event: str, max_steps: int = 40) -> dict[str, Any]:
        """Take offered steps until the case is in `goal_state` with `goal_event` recorded."""
        case_id = self.open()
        to_goal = distances(self.served["transitions"], goal_state)
        for _ in range(max_steps):
            case, offers = self.offers(case_id)
            if case["state"] == goal_state and goal_event in self.events(case_id):
                return case
            chosen = self.choose(case, offers, to_goal, goal_state, goal_event)
            if chosen is None:
                self.wait_for(case)
                continue
            self.take(chosen)
        raise AssertionError(f"no goal after {max_steps} steps")

    def open(self) -> str:
        opening = self.served["opening"]
        opener = next(u for u in self.users if u.role in opening["roles"])
        codes = [r["code"] for r in self.served["regions"]]
        region = KYIV if KYIV in codes or not codes else codes[0]
        self.region = region
        self.opened_at = self.clock.now
        body = {"workflow": self.served["id"], "region": region, "data": self.fill(opening)}
        response = self.send("POST", "/api/cases", body, opener.auth)
        assert response.status_code == 201, response.text
        case_id: str = response.json()["id"]
        return case_id

    def offers(self, case_id: str) -> tuple[dict[str, Any], list[Offer]]:
        """The case, and every step the API offers each of the client's users."""
        found: list[Offer] = []
        whole: dict[str, Any] = {}
        for user in self.users:
            response = self.client.get(f"/api/cases/{case_id}", headers=user.auth)
            if response.status_code == 404:
                continue  # not this user's case to see (need-to-know): offered nothing
            assert response.status_code == 200, response.text
            case: dict[str, Any] = response.json()
            found += [Offer(user, s, case["version"]) for s in case["allowed_steps"]]
            if user.role == "supervisor" or not whole:  # a supervisor sees the whole case
                whole = case
        self.seen = whole
        return whole, found

    def choose(
        self,
        case: dict[str, Any],
        offers: list[Offer],
        to_goal: dict[str, int],
        goal_state: str,
        goal_event: str,
    ) -> Offer | None:
        """A step onwards: nearer the goal state; once there, towards the goal referral event;
        else one that records a flag the case lacks (later steps may need it)."""
        here = to_goal.get(case["state"], len(to_goal) + 1)
        if case["state"] == goal_state:
            return self.towards_referral_event(case, offers, goal_event) or self.flag(case, offers)
        nearer = [
            (to_goal[dest], o)
            for o in offers
            if o.step["referral_id"] is None
            and (dest := self.dest(o.step["trigger"])) in to_goal
            and to_goal[dest] < here
        ]
        if nearer:
            return min(nearer, key=lambda pair: pair[0])[1]
        return self.flag(case, offers)

    def towards_referral_event(
        self, case: dict[str, Any], offers: list[Offer], goal_event: str
    ) -> Offer | None:
        for o in offers:
            if o.step["event"] == goal_event:
                return o
        referrals = self.served["referrals"]
        ahead = {
            t["trigger"]
            for t in referrals["transitions"]
            if t["dest"] is not None and t["dest"] not in terminal(referrals)
        }
        moving = [o for o in offers if o.step["referral_id"] and o.step["trigger"] in ahead]
        sending = [o for o in offers if o.step["event"] == referrals["send"]["event"]]
        found = moving or ([] if case["referrals"] else sending)
        return found[0] if found else None

    def flag(self, case: dict[str, Any], offers: list[Offer]) -> Offer | None:
        for o in offers:
            spec = self.spec(o.step["trigger"])
            if spec and spec["sets"] and not set(spec["sets"]) <= set(case["flags"]):
                return o
        return None

    def take(self, offer: Offer) -> None:
        """POST the step where the API says, with the body it describes, as the offered user."""
        step, how = offer.step, offer.step["body"]
        body: dict[str, Any] = {"expected_version": offer.version, "data": {}}
        if how["trigger"] is not None:
            body["trigger"] = how["trigger"]
        filled = self.fill(step)
        for f in step["fields"]:
            if f["type"] == "agency":
                self.name_agency(f, step["fields"], filled)
        for name, value in filled.items():
            where = how["field_paths"][name]
            value = self.agency if where == "agency" and f"{name}" not in self.named else value
            if where.startswith("data."):
                body["data"][where.removeprefix("data.")] = value
            else:
                body[where] = value
        response = self.send(step["method"], step["href"], body, offer.user.auth)
        self.taken.append((step["trigger"], step["href"]))
        if response.status_code == 409 and "illegal-transition" in response.text:
            self.refused.append(f"{step['trigger']}: {response.json()['detail']}")
        assert response.status_code in (200, 201), (step["trigger"], response.text)

    def send(
        self, method: str, href: str, body: dict[str, Any], auth: dict[str, str]
    ) -> httpx.Response:
        """The answer to the body; once more without the fields a 422 names as withheld from
        the case (who an adult is, before they consent), as a client that knows no rule would."""
        response = self.client.request(method, href, json=body, headers=auth)
        errors = (response.json().get("errors") or []) if response.status_code == 422 else []
        if errors and all(e["code"] == "withheld" for e in errors):
            for error in errors:
                body["data"].pop(error["path"].removeprefix("data."), None)
            response = self.client.request(method, href, json=body, headers=auth)
        return response

    def name_agency(
        self, field: dict[str, Any], fields: list[dict[str, Any]], filled: dict[str, Any]
    ) -> None:
        """An agency field: a registered agency that fits it, as the registry's API lists them
        (the receiving users' own agency where it fits), with a service it offers."""
        region = {"region": self.region} if field["serves_case_region"] else {}
        found = [
            agency
            for kind in field["kinds"] or [None]
            for agency in self.client.get(
                "/api/agencies", params={**region, **({"kind": kind} if kind else {})},
                headers=self.users[0].auth,
            ).json()
        ]  # fmt: skip
        if field["provides"]:
            values = next(f["values"] for f in fields if f["name"] == field["provides"])
            found = [a for a in found if set(a["services"]) & set(values)]
            chosen = next((a for a in found if a["id"] == self.agency), found[0])
            filled[field["provides"]] = sorted(set(chosen["services"]) & set(values))[0]
        else:
            chosen = found[0]
        filled[field["name"]] = chosen["id"]
        self.named.add(field["name"])

    def wait_for(self, case: dict[str, Any]) -> None:
        """Nothing onwards yet: time passes until a held-back step may be taken."""
        waiting = case["not_yet_allowed"]
        assert waiting, f"stuck in {case['state']}, offered nothing onwards"
        earliest = min(date.fromisoformat(w["earliest_on"]) for w in waiting)
        self.clock.now = max(self.clock.now, datetime.combine(earliest, time(9), tzinfo=UTC))

    def fill(self, step: dict[str, Any]) -> dict[str, Any]:
        """Synthetic values for the step's declared fields (all required, some optional)."""
        fields = [
            FieldSpec(
                f["name"],
                cast(FieldType, f["type"]),
                f["required"],
                values=tuple(f["values"]),
                minimum=f["minimum"],
                maximum=f["maximum"],
                title=f["title"],
                not_after=tuple(f["not_after"]),
                not_before=tuple(f["not_before"]),
                child_flag=f["child_flag"],
            )
            for f in step["fields"]
        ]
        return synthetic_data(
            fields, self.rng, optional=0.3, on=self.clock.now.date(), facts=self.facts(step)
        )

    def facts(self, step: dict[str, Any]) -> DateFacts:
        """What the step's dates are judged on, as the API serves it: the days (in the
        workflow's time zone) of now and of the opening, and what the case recorded."""
        zone = ZoneInfo(self.served["time_zone"])
        referral = next(
            (r for r in self.seen.get("referrals", []) if r["id"] == step.get("referral_id")), {}
        )
        return DateFacts(
            today=self.clock.now.astimezone(zone).date(),
            opened=(self.opened_at or self.clock.now).astimezone(zone).date(),
            recorded={**self.seen.get("data", {}), **referral.get("data", {})},
        )

    def spec(self, trigger: str) -> dict[str, Any] | None:
        referrals = self.served["referrals"] or {"transitions": []}
        every = [*self.served["transitions"], *referrals["transitions"]]
        return next((t for t in every if t["trigger"] == trigger), None)

    def dest(self, trigger: str) -> str | None:
        spec = next((t for t in self.served["transitions"] if t["trigger"] == trigger), None)
        return None if spec is None else spec["dest"]

    def events(self, case_id: str) -> list[str]:
        return [h["event"] for h in self.history(case_id)]

    def history(self, case_id: str) -> list[dict[str, Any]]:
        supervisor = next(u for u in self.users if u.role == "supervisor")
        response = self.client.get(f"/api/cases/{case_id}/history", headers=supervisor.auth)
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()
        return entries


def distances(transitions: list[dict[str, Any]], goal: str) -> dict[str, int]:
    """How many case-level steps each state is from `goal` (a search backwards over the
    transitions the API serves)."""
    found = {goal: 0}
    queue = deque([goal])
    while queue:
        state = queue.popleft()
        for t in transitions:
            if t["dest"] == state:
                for source in t["sources"]:
                    if source not in found:
                        found[source] = found[state] + 1
                        queue.append(source)
    return found


def terminal(referrals: dict[str, Any]) -> set[str]:
    return {s["name"] for s in referrals["states"] if s["terminal"]}


def read(client: TestClient, caller: Caller, case_id: str) -> dict[str, Any]:
    response = client.get(f"/api/cases/{case_id}", headers=caller.auth)
    assert response.status_code == 200, response.text
    case: dict[str, Any] = response.json()
    return case
