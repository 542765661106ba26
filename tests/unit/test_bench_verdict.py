"""The benchmarks' verdict (bench/common.py): each figure against its target, PASS or MISS, the
misses summed up for `make bench` and a benchmark with a miss exiting 1."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

COMMON = Path(__file__).parents[2] / "bench" / "common.py"


@pytest.fixture
def common(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.delenv("BENCH_MISSES", raising=False)
    spec = importlib.util.spec_from_file_location("bench_common_under_test", COMMON)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("value", "target", "higher", "word"),
    [
        (0.5, 0.5, True, "PASS"),  # a ratio at its target meets it
        (0.49, 0.5, True, "MISS"),
        (0.9, 0.5, True, "PASS"),
        (19.9, 20.0, False, "PASS"),
        (20.0, 20.0, False, "MISS"),  # "under 20 ms": 20 ms is a miss
        (31.0, 20.0, False, "MISS"),
    ],
)
def test_the_word_follows_the_direction_of_the_target(
    common: ModuleType, value: float, target: float, higher: bool, word: str
) -> None:
    assert common.verdict("figure", value, target, higher).word == word


def test_the_line_gives_the_figure_its_target_and_the_word(
    common: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    common.verdict("HTTP API / direct engine, 16 clients", 0.19, 0.5, True)
    common.verdict("live lag p95", 54.2, 200, False, unit=" ms", digits=0)
    assert capsys.readouterr().out.splitlines() == [
        "HTTP API / direct engine, 16 clients: 0.19 (target >= 0.50): MISS",
        "live lag p95: 54 ms (target < 200 ms): PASS",
    ]


def test_finish_passes_when_every_figure_met_its_target(
    common: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    common.verdict("a", 1.0, 0.5, True)
    common.verdict("b", 1.0, 2.0, False)
    common.finish()  # no exit
    assert capsys.readouterr().out.endswith("2 of 2 figures met their target\n")


def test_finish_exits_1_listing_the_misses(
    common: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    common.verdict("met", 1.0, 0.5, True)
    common.verdict("missed", 0.1, 0.5, True)
    common.verdict("also missed", 30.0, 20.0, False, unit=" ms", digits=1)
    with pytest.raises(SystemExit) as exited:
        common.finish()
    assert exited.value.code == 1
    summary = capsys.readouterr().out.split("1 of 3 figures met their target\n")[1]
    assert summary.splitlines() == [
        "  missed: 0.10 (target >= 0.50): MISS",
        "  also missed: 30.0 ms (target < 20.0 ms): MISS",
    ]


def test_misses_are_appended_to_the_file_make_bench_sums_up(
    common: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    misses = tmp_path / "misses"
    misses.write_text("rebuild.py: an earlier benchmark's miss\n")
    monkeypatch.setenv("BENCH_MISSES", str(misses))
    monkeypatch.setattr("sys.argv", ["bench/http_api.py"])
    common.verdict("met", 0.7, 0.5, True)
    common.verdict("HTTP API / direct engine, 16 clients", 0.19, 0.5, True)
    assert misses.read_text().splitlines() == [
        "rebuild.py: an earlier benchmark's miss",
        "http_api.py: HTTP API / direct engine, 16 clients: 0.19 (target >= 0.50): MISS",
    ]
