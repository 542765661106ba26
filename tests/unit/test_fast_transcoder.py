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


SHAPES = [
    {"timestamp": NOW, "occurred_at": NOW, "data": {"x": 1}},
    {"timestamp": NOW, "occurred_at": NOW, "data": {"x": 2}},
    {"timestamp": NOW, "occurred_at": None, "data": {"at": NOW}},
    {"timestamp": NOW, "occurred_at": "2026-03-02", "other": NOW},
    {"timestamp": {"_type_": "looks typed", "x": 1}, "occurred_at": NOW, "at": NOW},
    {"timestamp": NOW},
    {"timestamp": NOW, "occurred_at": NOW, "id": uuid4(), "amount": Decimal("2.50")},
]


def test_events_of_one_topic_decode_as_the_stock_transcoder_whatever_shape_came_before() -> None:
    """The keys remembered from the topic's last event are a guess, checked every time."""
    stock, fast = transcoders()
    for state in [*SHAPES, *reversed(SHAPES), *SHAPES, [NOW, NOW], SHAPES[0], [NOW, NOW]]:
        encoded = stock.encode(state)
        assert fast.decode_event(encoded, "the-topic") == stock.decode(encoded) == state


def test_a_datetime_transcoding_of_ones_own_is_used_under_the_same_name() -> None:
    class Marked(DatetimeAsISO):
        def decode(self, data: str) -> Any:
            return ("decoded", data)

    stock, fast = JSONTranscoder(), FastJSONTranscoder()
    for t in (stock, fast):
        t.register(Marked())
    encoded = stock.encode({"timestamp": NOW, "occurred_at": NOW})

    for _ in range(2):
        assert fast.decode_event(encoded, "the-topic") == stock.decode(encoded)
        assert fast.decode_event(encoded, "the-topic")["timestamp"] == ("decoded", NOW.isoformat())
