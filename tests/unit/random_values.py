"""Synthetic values for the random command sequences (test_random_sequences.py): of each
field's type, mostly valid, sometimes with the mistakes the workflow file's rules must refuse.
No real person's data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import strategies as st

AGENCIES = ("shelter-kyiv", "clinic-kyiv")


def value(
    data: st.DataObject, spec: dict[str, Any], today: date, child: object, exact: bool
) -> Any:
    """A synthetic value for a declared field (no real person's data), of its type: a date on
    the step's (local) day, or unless `exact` sometimes the day before or after, and a date of
    birth agreeing with `child`, or unless `exact` sometimes not, for its rules to judge."""
    kind = spec["type"]
    if kind == "enum":
        return data.draw(st.sampled_from(spec["values"]))
    if kind == "enum_list":
        return data.draw(
            st.lists(st.sampled_from(spec["values"]), min_size=1, max_size=2, unique=True)
        )
    if kind == "bool":
        return data.draw(st.booleans())
    if kind == "country":
        return data.draw(st.sampled_from(["UA", "MD", "GB", "stateless", "unknown"]))
    if kind == "agency":  # mostly Kyiv Oblast's unit, sometimes another region's, or no police
        units = ["police-kyivska"] * 3 + ["police-lvivska", "shelter-kyiv", "no-such-unit"]
        return data.draw(st.sampled_from(units if "police_unit" in spec["kinds"] else AGENCIES))
    if kind == "date" and "birth" in spec.get("title", "").lower():
        wrong = not exact and data.draw(st.integers(0, 5)) == 0
        years = 10 if (child is True) != wrong else 30  # a child, else an adult, at the opening
        return date(today.year - years, today.month, min(today.day, 28)).isoformat()
    if kind == "int":
        low = spec.get("min", 1)
        return data.draw(st.integers(low, min(spec.get("max", low + 100), low + 100)))
    if kind == "date":
        days = 0 if exact else data.draw(st.sampled_from([0, 0, 0, 0, 0, 0, -1, 1]))
        return (today + timedelta(days=days)).isoformat()
    if kind == "datetime":
        return datetime.combine(today, time(10), tzinfo=UTC).isoformat()
    return f"Synthetic {spec.get('title') or kind}"


def payload(
    data: st.DataObject,
    fields: dict[str, dict[str, Any]],
    today: date,
    known: dict[str, Any],
    exact: bool = False,
) -> dict[str, Any]:
    """Every required field and some optional ones (`known`: what the case recorded)."""
    body: dict[str, Any] = {}
    for name, spec in fields.items():
        if spec.get("required") or data.draw(st.booleans()):
            child = body.get("is_child", known.get("is_child"))
            body[name] = value(data, spec, today, child, exact)
    return body


def spoil(body: dict[str, Any], fields: dict[str, dict[str, Any]], mistake: str) -> None:
    """Make the data invalid in the way `mistake` names (an undeclared field when it cannot)."""
    required = sorted(n for n, f in fields.items() if f.get("required") and n in body)
    if mistake == "missing" and required:
        del body[required[0]]
    elif mistake == "value" and fields:
        name = sorted(fields)[0]
        body[name] = 42 if fields[name]["type"] in ("string", "text", "date", "datetime") else "-"
    else:
        body["zz_undeclared"] = "x"
