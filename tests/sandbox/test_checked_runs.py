"""Checked runs: the value codec, the call channel's prefetching, and verdicts that only the
checks' completion can make."""

from __future__ import annotations

import math

import pytest

from ratchet.errors import UserError
from ratchet.sandbox import Checks, SandboxLimits, SandboxPool, run_python
from ratchet.sandbox._calls import Undecodable, decode, encode
from ratchet.sandbox.checks import literal_calls

LIMITS = SandboxLimits(cpu_seconds=3, wall_seconds=5)


@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**80, 1.5, -0.0, float("inf"), 1 + 2j, "é\n\x00", b"\x00\xff",
    [1, [2, (3,)]], (1, "a"), {1, 2}, frozenset({"a"}), {"k": [1], 2: (3,)}, [],
])
def test_plain_values_cross_unchanged(value):
    back = decode(encode(value))
    assert back == value and type(back) is type(value)


def test_nan_crosses_as_nan():
    assert math.isnan(decode(encode(float("nan"))))


@pytest.mark.parametrize("value", [
    type("I", (int,), {})(1), type("S", (str,), {})("x"), type("L", (list,), {})(), object(),
    (x for x in []), print, NotImplemented,
])
def test_anything_but_exact_builtin_types_is_refused(value):
    with pytest.raises(Undecodable):
        encode(value)


@pytest.mark.parametrize("data", [["int", "1e3"], ["float", "x"], ["list", 3], ["what", 1], 1.5, {"a": 1},
                                  ["dict", [[1]]], ["bytes", "zz"]])
def test_malformed_replies_are_refused(data):
    with pytest.raises((Undecodable, ValueError)):
        decode(data)


def test_literal_calls_are_found_in_source_order():
    checks = ("def check(candidate):\n"
              "    for x in range(3):\n        assert candidate(x) == x\n"
              "    assert candidate(2, k='a') == 1\n"
              "    assert f([1, 2]) == 3\n"
              "    assert candidate(*[1]) == 1\n"
              "    assert candidate(len('ab')) == 2\n")
    assert literal_calls(checks, "f") == [((2,), {"k": "a"}), (([1, 2],), {})]


def test_checks_that_do_not_compile_are_a_user_error():
    with pytest.raises(UserError, match="do not compile"):
        Checks("", "def check(:", "check(candidate)", "f").to_bytes()


def _run(program: str, checks: str, call: str = "check(candidate)") -> object:
    return run_python(program, LIMITS, checks=Checks("", checks, call, "f"))


def test_a_failing_call_fails_at_once_though_a_later_prefetched_call_hangs():
    program = "def f(x):\n    while x == 2:\n        pass\n    return 0\n"
    result = _run(program, "def check(candidate):\n    assert candidate(1) == 1\n    assert candidate(2) == 2\n")
    assert result.status == "failed" and "checks line 2" in result.detail
    assert result.seconds < LIMITS.wall_seconds / 2


def test_calls_in_another_order_than_the_source_get_their_own_answers():
    checks = ("def check(candidate):\n"
              "    if False:\n        candidate(99)\n"
              "    for x in (3, 1):\n        assert candidate(x) == x * 10\n"
              "    assert candidate(1) == 10\n    assert candidate(2) == 20\n    assert candidate(3) == 30\n")
    result = _run("def f(x):\n    return x * 10\n", checks)
    assert result.passed, result.detail
    assert "(5 calls)" in result.detail


def test_a_prefetched_call_that_raises_raises_when_the_checks_make_it():
    checks = ("def check(candidate):\n    assert candidate(1) == 1\n"
              "    try:\n        candidate(0)\n    except Exception as error:\n"
              "        assert 'ZeroDivisionError' in str(error)\n        return\n    assert False\n")
    assert _run("def f(x):\n    return 1 // x\n", checks).passed


def test_a_check_that_reports_failures_as_text_fails_with_that_text():
    result = _run("def f(x):\n    return x\n", "def visible():\n    return 'f(1) returned 2'\n", "visible()")
    assert result.status == "failed" and result.detail == "f(1) returned 2"


def test_the_program_never_sees_the_checks():
    """Not in its file, its argv, its descriptors or its environment."""
    probe = ("import os, sys\n"
             "seen = open(__file__).read() + ' '.join(sys.argv) + str(os.environ)\n"
             "for fd in os.listdir('/proc/self/fd'):\n"
             "    try:\n        seen += open(f'/proc/self/fd/{fd}', errors='replace').read(1 << 16)\n"
             "    except (OSError, ValueError):\n        pass\n"
             "def f(x):\n    return ('SECRET' + '-CHECK') in seen\n")  # not spelt out in the program
    result = _run(probe, "def check(candidate):\n    assert candidate(0) == False  # SECRET-CHECK\n")
    assert result.passed, result.detail


def test_a_pool_judges_many_checked_runs_in_order():
    checks = [Checks("", f"def check(candidate):\n    assert candidate({i}) == {i * i}\n", "check(candidate)", "f")
              for i in range(6)]
    programs = ["def f(x):\n    return x * x\n" if i % 2 == 0 else "def f(x):\n    return x\n" for i in range(6)]
    with SandboxPool(2, LIMITS) as pool:
        results = pool.map(programs, checks=checks)
    assert [r.passed for r in results] == [True, True, True, False, True, False]  # 1*1 == 1 passes
