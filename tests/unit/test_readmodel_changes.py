"""Row changes fold in memory in event order: later sets win, counters add, extremes keep."""

from __future__ import annotations

import pytest

from referral_engine.application.readmodel import Changes


def folded(changes: Changes) -> dict[str, dict[tuple[object, ...], object]]:
    return {
        table: {
            p.key: ("delete" if p.delete else ("replace" if p.replace else "merge"), p.columns)
            for p in rows
        }
        for table, _, rows in changes.tables()
    }


def test_later_sets_win_and_counters_add_up() -> None:
    changes = Changes()
    changes.upsert("t", {"id": 1}, set={"state": "a"}, add={"n": 1})
    changes.upsert("t", {"id": 1}, set={"state": "b"}, add={"n": 2})
    assert folded(changes) == {"t": {(1,): ("merge", {"state": ("set", "b"), "n": ("add", 3)})}}


def test_least_greatest_and_first_keep_their_extreme() -> None:
    changes = Changes()
    for day in (5, 3, 9):
        changes.upsert("t", {"id": 1}, least={"lo": day}, greatest={"hi": day}, first={"f": day})
    columns = folded(changes)["t"][(1,)][1]
    assert columns == {"lo": ("least", 3), "hi": ("greatest", 9), "f": ("first", 5)}


def test_a_counter_added_to_a_set_value_stays_a_set() -> None:
    changes = Changes()
    changes.upsert("t", {"id": 1}, set={"n": 10})
    changes.upsert("t", {"id": 1}, add={"n": 5})
    assert folded(changes)["t"][(1,)] == ("merge", {"n": ("set", 15)})


def test_a_row_deleted_then_upserted_is_replaced_afresh() -> None:
    changes = Changes()
    changes.upsert("t", {"id": 1}, add={"n": 4})
    changes.delete("t", {"id": 1})
    assert folded(changes)["t"][(1,)] == ("delete", {})
    changes.upsert("t", {"id": 1}, add={"n": 1})
    assert folded(changes)["t"][(1,)] == ("replace", {"n": ("add", 1)})


def test_keys_of_another_shape_are_refused() -> None:
    changes = Changes()
    changes.upsert("t", {"id": 1}, set={"x": 1})
    with pytest.raises(ValueError, match="key columns"):
        changes.upsert("t", {"id": 1, "other": 2}, set={"x": 1})
