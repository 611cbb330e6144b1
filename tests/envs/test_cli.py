"""Environment suites on the command line: bad input is one line on stderr, exit code 2."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("args, expected", [
    (["eval", "--suite", "sql"], "is an environment played over many turns; strategy 'sample'"),
    (["eval", "--suite", "gsm", "--solver", "react"], "strategy 'react' acts in an environment"),
    (["experience", "demos", "/tmp/never-written.sqlite", "--suite", "gsm"], "no known solutions to demonstrate"),
])
def test_bad_input_is_one_line(args, expected):
    result = subprocess.run([sys.executable, "-m", "ratchet.cli.main", *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_demos_writes_a_store_that_improve_can_start_from(tmp_path):
    store = tmp_path / "initial.sqlite"
    result = subprocess.run([sys.executable, "-m", "ratchet.cli.main", "experience", "demos", str(store),
                             "--suite", "wordcraft", "--tasks", "2"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "2 new demonstrations of wordcraft train tasks" in result.stdout
    assert store.is_file()
