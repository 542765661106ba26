"""A step posted from a page's form (the case page's and the inbox's): what it names is checked
before the route notes it for the audit log or the engine echoes it back."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from referral_engine.entrypoints.web import stepping
from referral_engine.entrypoints.web.deps import Refused


def test_a_step_or_referral_named_longer_than_the_api_takes_is_refused() -> None:
    """The API's step bodies take names of up to 100 characters; a forged form's 5000 were
    echoed whole in the page and written whole into the audit entry, once per request."""
    assert stepping.posted_step(FormData({"trigger": "accept", "referral_id": "r1"})) == (
        "accept",
        "r1",
    )
    assert stepping.posted_step(FormData({"trigger": "t" * 100})) == ("t" * 100, None)
    for name in ("trigger", "referral_id"):
        with pytest.raises(Refused) as refused:
            stepping.posted_step(FormData({"trigger": "accept", name: "x" * 5000}))
        assert (refused.value.status_code, refused.value.key) == (422, "error.too_long_name")
