"""docs/import.md shows the mapping file it documents, word for word, and that mapping imports a
register in the Ministry's usual columns."""

from __future__ import annotations

import re

from referral_engine.application.demo_register import synthetic_register
from referral_engine.application.importing import Imports
from referral_engine.application.registers import read_register
from referral_engine.bootstrap import build_in_memory
from referral_engine.config import PROJECT_ROOT
from referral_engine.domain.commands import Actor
from tests.factories import with_synthetic_agencies

DOCS = PROJECT_ROOT / "docs"


def test_the_documented_mapping_is_the_shipped_file_and_imports_a_register() -> None:
    shown = re.search(r"```yaml\n(.*?)```", (DOCS / "import.md").read_text(), re.S)
    assert shown is not None
    mapping = (DOCS / "import" / "ministry-register.yaml").read_text()
    assert shown.group(1) == mapping
    engine = with_synthetic_agencies(build_in_memory())
    data, expected = synthetic_register(60, bad=10)
    report = Imports(engine.store, engine.workflows, engine.clock).run(
        read_register(data, "register.csv"),
        "ukraine-nrm",
        mapping,
        actor=Actor("admin", "admin", "mlsp"),
    )
    assert report.counts["imported"] == expected.good
    assert report.counts["refused"] == len(expected.bad) == 10
