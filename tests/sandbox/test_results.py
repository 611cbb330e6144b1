"""Classification of raw exits, limits validation and output tails: no subprocess needed."""

from __future__ import annotations

import json
import signal

import pytest

from ratchet.errors import UserError
from ratchet.sandbox import SandboxLimits, SandboxResult
from ratchet.sandbox._supervisor import to_json
from ratchet.sandbox.output import OutputTail
from ratchet.sandbox.result import ProgramExit, classify

LIMITS = SandboxLimits(cpu_seconds=2, memory_mb=100)
TRACEBACK = 'Traceback (most recent call last):\n  File "main.py", line 1\n{}\n'


def ended(code: int | None = None, sig: int | None = None, cpu: float = 0.1, rss_kb: int = 10_000) -> ProgramExit:
    return ProgramExit(exit_code=code, signal=sig, cpu_seconds=cpu, max_rss_kb=rss_kb)


@pytest.mark.parametrize(
    ("exit", "stderr", "expected"),
    [
        (ended(0), "", ("passed", 0)),
        (ended(1), TRACEBACK.format("AssertionError"), ("failed", 1)),
        (ended(3), "", ("failed", 3)),
        (ended(1), TRACEBACK.format("MemoryError"), ("memory", 1)),
        (ended(0), TRACEBACK.format("MemoryError"), ("passed", 0)),  # caught, then exited 0
        (ended(sig=signal.SIGXCPU, cpu=2.0), "", ("timeout", -signal.SIGXCPU)),
        (ended(sig=signal.SIGKILL, cpu=3.0), "", ("timeout", -signal.SIGKILL)),
        (ended(sig=signal.SIGKILL, rss_kb=99 * 1024), "", ("memory", -signal.SIGKILL)),
        (ended(sig=signal.SIGKILL), "", ("crashed", -signal.SIGKILL)),
        (ended(sig=signal.SIGSEGV), "Fatal Python error: Segmentation fault", ("crashed", -signal.SIGSEGV)),
    ],
)
def test_classify(exit: ProgramExit, stderr: str, expected: tuple[str, int]) -> None:
    status, returncode, detail = classify(exit, wall_timeout=False, stderr=stderr, limits=LIMITS)
    assert (status, returncode) == expected
    assert detail


def test_wall_timeout_and_missing_report() -> None:
    assert classify(ended(0), wall_timeout=True, stderr="", limits=LIMITS)[:2] == ("timeout", None)
    killed = ProgramExit(None, signal.SIGKILL, 0.0, 0, killed_for_wall_time=True)
    assert classify(killed, wall_timeout=False, stderr="", limits=LIMITS)[0] == "timeout"
    assert classify(None, wall_timeout=False, stderr="", limits=LIMITS)[:2] == ("crashed", None)


def test_result_passed_and_json() -> None:
    result = SandboxResult("passed", 0, "out", "", 0.5, "rlimits-only")
    assert result.passed and not SandboxResult("failed", 1, "", "", 0.1, "rlimits-only").passed
    assert json.loads(json.dumps(result.to_json()))["status"] == "passed"


@pytest.mark.parametrize(
    "bad",
    [{"cpu_seconds": 0}, {"wall_seconds": -1}, {"memory_mb": 8}, {"max_processes": 0}, {"output_bytes": -1}],
)
def test_limits_reject_nonsense(bad: dict) -> None:
    with pytest.raises(UserError):
        SandboxLimits(**bad)


def test_rlimits_round_cpu_up_and_give_a_grace_second() -> None:
    rlimits = SandboxLimits(cpu_seconds=1.5, memory_mb=64, file_size_mb=2).rlimits()
    assert rlimits["RLIMIT_CPU"] == (2, 3)
    assert rlimits["RLIMIT_AS"] == (64 * 2**20, 64 * 2**20)
    assert rlimits["RLIMIT_FSIZE"] == (2 * 2**20, 2 * 2**20)


def test_output_tail_keeps_the_end_within_its_limit() -> None:
    tail = OutputTail(limit=10)
    for index in range(1000):
        tail.add(f"{index:04d}\n".encode())
    assert tail.total == 5000
    assert tail.text().endswith("998\n0999\n")
    assert tail.text().startswith("[... 4990 earlier bytes cut ...]\n")
    assert len(tail._buffer) <= 20
    assert OutputTail(limit=0).text() == ""


def test_supervisor_json_matches_json_module() -> None:
    value = {"layers": ["uid"], "p": {"c": 1.5, "s": None, "k": True}, "e": 'q"\\\n\tü€😀\x00'}
    assert json.loads(to_json(value)) == value
