"""Read models as folders: `projections/<name>/` holds `schema.sql`, `projection.py` (`VERSION`
and a pure `handle(event, changes)`) and `queries.sql` (named queries)."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referral_engine.application.readmodel import Changes, Event

QUERY_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class ReadModel:
    """One folder of `projections/`: its tables, its handler and its named queries."""

    name: str
    version: int
    schema_sql: str
    handle: Callable[[Event, Changes], None]
    queries: dict[str, str]
    module: Any
    summaries: dict[str, str]
    """Fact table -> the SQL function `(changed <table>[], n int)` that folds changed rows
    (n = 1 for new rows, -1 for old ones) into a summary; the engine creates the triggers."""
    rebuilt: str | None = None
    """A schema.sql function computing in one pass, once a rebuild has written every fact, what
    the summaries then keep (their triggers are created after it, not while the bulk writes)."""
    links: bool = False
    """Whether its handler sees the events about pairs of cases (`Event.link`: a possible
    duplicate, a link of two cases to one person...); the others never do."""
    persons: bool = False
    """Whether its handler reads `Event.persons`, the keyed hashes of the values identifying
    the person (`READS_PERSONS = True`): computing them reads each case's key, which took half of
    every other read model's rebuild when they were computed for all (measured: 24,000
    against 43,000 events/s for `assistance`)."""

    def seen(self, events: list[Event]) -> list[Event]:
        """The events of a batch its handler sees."""
        if self.links or not any(e.link is not None for e in events):
            return events
        return [e for e in events if e.link is None]


def discover(directory: Path) -> dict[str, ReadModel]:
    """Every read model folder in `directory`; adding a read model means adding a folder."""
    found: dict[str, ReadModel] = {}
    for folder in sorted(p for p in directory.iterdir() if (p / "projection.py").is_file()):
        spec = importlib.util.spec_from_file_location(
            f"referral_engine_projection_{folder.name}", folder / "projection.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        queries_file = folder / "queries.sql"
        schema_sql = (folder / "schema.sql").read_text(encoding="utf-8")
        found[folder.name] = ReadModel(
            name=folder.name,
            version=int(module.VERSION),
            schema_sql=schema_sql,
            handle=module.handle,
            queries=_named_queries(queries_file.read_text("utf-8"))
            if queries_file.exists()
            else {},
            module=module,
            summaries=_summaries(folder.name, schema_sql, getattr(module, "SUMMARIES", {})),
            rebuilt=_rebuilt(folder.name, schema_sql, getattr(module, "REBUILT", None)),
            links=bool(getattr(module, "LINKS", False)),
            persons=getattr(module, "READS_PERSONS", False) is True,
        )
    return found


def _summaries(name: str, schema_sql: str, declared: dict[str, str]) -> dict[str, str]:
    """The read model's SUMMARIES, checked against its schema.sql so a typo fails at discovery."""
    for table, function in declared.items():
        for kind, ident in (("table", table), ("function", function)):
            if not re.search(rf"create\s+{kind}\s+{re.escape(ident)}\b", schema_sql, re.I):
                raise ValueError(
                    f"read model {name}: SUMMARIES names {kind} {ident!r}, "
                    "which its schema.sql does not create"
                )
    return dict(declared)


def _rebuilt(name: str, schema_sql: str, function: str | None) -> str | None:
    if function is not None and not re.search(
        rf"create\s+function\s+{re.escape(function)}\b", schema_sql, re.I
    ):
        raise ValueError(f"read model {name}: REBUILT names {function!r}, not in its schema.sql")
    return function


def _named_queries(text: str) -> dict[str, str]:
    parts = QUERY_NAME.split(text)
    return {
        name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }
