"""The orjson-based decoder gives exactly what eventsourcing's JSON transcoder gives."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex

from referral_engine.adapters.store import FastJSONTranscoder

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def transcoders() -> tuple[JSONTranscoder, FastJSONTranscoder]:
    stock, fast = JSONTranscoder(), FastJSONTranscoder()
    for t in (stock, fast):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
            t.register(transcoding)
    return stock, fast


@pytest.mark.parametrize(
    "state",
    [
        {"name": "PersonScreened", "data": {"person_name": "Synthetic"}, "n": 1, "ok": True},
        {"timestamp": NOW, "occurred_at": NOW, "data": {"x": [1, "a"]}},
        {"timestamp": NOW, "nested": {"when": NOW, "ids": [uuid4(), Decimal("1.5")]}},
        {"data": {"_type_": "looks typed but is data", "other": 1}},
        {"text": 'a string with "_type_" inside', "at": NOW},
        {"list": [{"deep": [NOW]}], "top": NOW},
    ],
)
def test_decoding_equals_the_stock_transcoder(state: dict[str, Any]) -> None:
    stock, fast = transcoders()
    encoded = stock.encode(state)
    assert fast.decode(encoded) == stock.decode(encoded) == state
