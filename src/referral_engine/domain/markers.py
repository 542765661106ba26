"""What a personal value reads as when it is not shown: erased, or not the reader's to see.

A leaf of the domain (the case records erasures with these markers; views and disclosure
show them), so that nothing imports in a circle.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

ERASED: Mapping[str, str] = {"redacted": "erased"}
"""What a personal field reads as once its case's key is destroyed."""
NOT_PERMITTED: Mapping[str, str] = {"redacted": "not-permitted"}
"""What a personal field reads as for a reader whose role or region may not see it."""


def is_marker(value: object) -> bool:
    """Whether `value` is a redaction marker rather than a recorded value."""
    return isinstance(value, Mapping) and set(value) == {"redacted"}


def shown_personal(data: Mapping[str, Any], personal: Mapping[str, Any]) -> set[str]:
    """The personal fields of `data` that hold a value (not a redaction marker)."""
    return {name for name, value in data.items() if name in personal and not is_marker(value)}


def erase(data: Mapping[str, Any], personal: Container[str]) -> dict[str, Any]:
    """`data` with every personal field replaced by the erased marker."""
    return {k: dict(ERASED) if k in personal else v for k, v in data.items()}
