"""The suite's own policies, checked on small throwaway suites run by a nested pytest:
RATCHET_REQUIRE_REAL=1 fails every kind of skip, and a native crash fails one test only."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SKIPPING = {
    "test_call.py": "import pytest\ndef test_a():\n    pytest.skip('no java')\n",
    "test_marker.py": "import pytest\n@pytest.mark.skipif(True, reason='needs torch')\ndef test_b():\n    pass\n",
    "test_module.py": "import pytest\npytest.importorskip('no_such_module_xyz')\ndef test_c():\n    pass\n",
    "sub/conftest.py": "import pytest\npytest.importorskip('no_such_module_xyz')\n",
    "sub/test_d.py": "def test_d():\n    pass\n",
    "test_variant.py": "import pytest\ndef test_e():\n    pytest.skip('only root is refused')\n",
    "test_fine.py": "import pytest\ndef test_f():\n    pass\n@pytest.mark.xfail(reason='known')\ndef test_g():\n    assert False\n",
}


def _pytest(directory: Path, *args: str, env: dict | None = None, ini: str = os.devnull) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(directory),
         "-c", ini, *args, str(directory)],
        capture_output=True, text=True, env=environ, timeout=300, cwd=directory,
    )


def _write(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text)


def test_require_real_fails_every_skip_source_but_machine_variants(tmp_path):
    _write(tmp_path, SKIPPING)
    relaxed = _pytest(tmp_path, "-p", "tests.require_real", env={"RATCHET_REQUIRE_REAL": "0"})
    assert "1 passed, 5 skipped, 1 xfailed" in relaxed.stdout, relaxed.stdout
    strict = _pytest(tmp_path, "-p", "tests.require_real", "-rfE", env={"RATCHET_REQUIRE_REAL": "1"})
    tail = strict.stdout.splitlines()[-1]
    assert "1 passed" in tail and "1 skipped" in tail and "1 xfailed" in tail, strict.stdout
    # pytest.skip fails the test; a skipif fails its setup; two collections (a module, a directory
    # whose conftest skips) fail, and the rest of the run goes on
    assert "1 failed" in tail and "3 errors" in tail, strict.stdout
    for reason in ("no java", "needs torch", "could not import 'no_such_module_xyz'"):
        assert f"turns this skip into a failure: {reason}" in strict.stdout
    assert strict.returncode == 1


CRASHING = textwrap.dedent("""
    import ctypes

    def test_before():
        pass

    def test_native_crash():
        ctypes.string_at(0)  # a segmentation fault, as llama.cpp's AMX path gave

    def test_after():
        pass
""")


def test_a_native_crash_fails_one_test_and_the_others_run(tmp_path):
    """With the project's pytest configuration (pyproject.toml's addopts) the tests run in a
    pytest-xdist worker; a worker killed by a signal fails the test it was running and is replaced,
    so the run ends with a summary."""
    _write(tmp_path, {"test_crash.py": CRASHING})
    result = _pytest(tmp_path, ini=str(ROOT / "pyproject.toml"))
    assert "1 failed, 2 passed" in result.stdout.splitlines()[-1], result.stdout
    assert "crashed while running 'test_crash.py::test_native_crash'" in result.stdout
