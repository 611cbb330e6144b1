"""Data flows one way: a module never imports from a layer downstream of it."""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "ratchet"

# Upstream first. A package may import from its own layer and from any layer before it.
LAYERS = [
    {"errors"},
    {"core", "sandbox"},
    {"models", "suites", "envs"},
    {"solvers", "experience"},
    {"eval", "nesy"},
    {"analysis", "learn", "ttt", "view"},
    {"cli"},
]


def layer_of(package: str) -> int | None:
    for index, layer in enumerate(LAYERS):
        if package in layer:
            return index
    return None


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ratchet."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("ratchet."):
                    names.add(alias.name.split(".")[1])
    return names


def test_no_module_imports_downstream():
    violations = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC)
        own = relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else relative.stem
        own_layer = layer_of(own)
        if own_layer is None:
            continue
        for package in imported_packages(path):
            other = layer_of(package)
            if other is not None and other > own_layer:
                violations.append(f"{relative} imports ratchet.{package}")
    assert not violations, violations


BLOCK_HEAVY = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'llama_cpp', 'torch', 'transformers', 'peft', 'trl'}:
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
import ratchet, ratchet.core, ratchet.models, ratchet.suites, ratchet.eval, ratchet.solvers, ratchet.sandbox
from ratchet.cli.main import app
from ratchet.errors import UserError
try:
    ratchet.models.load_model('smollm2-135m-instruct', cache=False)
except UserError as error:
    print('USERERROR', error)
"""


def test_core_imports_without_extras_and_names_the_missing_extra():
    result = subprocess.run([sys.executable, "-c", BLOCK_HEAVY], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "USERERROR" in result.stdout
    assert "ratchet-ai[local]" in result.stdout or "is not installed: pip install" in result.stdout
