"""LoRA adapters as artifacts: a directory holding the PEFT adapter, its provenance and a GGUF copy
that llama.cpp serves (`load_model(name, adapter=artifact.gguf)`).

    <artifact>/adapter_model.safetensors   PEFT weights (lora_A / lora_B per target module)
    <artifact>/adapter_config.json         PEFT configuration (rank, alpha, target modules)
    <artifact>/ratchet_adapter.json        base model name + sha256, method, training config,
                                           data hashes, training metrics
    <artifact>/adapter.gguf                the same adapter in llama.cpp's GGUF LoRA format

An artifact is written into a hidden sibling directory and renamed into place only when complete,
so a kill or a full disk never leaves a half artifact under the real name, and never touches any
other artifact (the incumbent stays intact). Artifacts are immutable once written.

The GGUF layout follows llama.cpp's `convert_lora_to_gguf.py`: `general.type = adapter`,
`general.architecture` = the base model's, `adapter.type = lora`, `adapter.lora.alpha`, and for
each adapted weight `W` (llama.cpp name, e.g. `blk.0.attn_q.weight`) two tensors `W.lora_a`
(shape rank x in) and `W.lora_b` (out x rank). llama.cpp scales the product by alpha / rank, as
PEFT does. Its `llama` architecture stores q and k projections with the rotary halves
interleaved (the permutation `convert_hf_to_gguf.py` applies), so lora_b of those is permuted the
same way; Qwen2 needs no permutation.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import shutil
import struct
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ratchet.errors import MissingExtraError, UserError

ARTIFACT_FILE = "ratchet_adapter.json"
GGUF_FILE = "adapter.gguf"
PEFT_WEIGHTS = "adapter_model.safetensors"
PEFT_CONFIG = "adapter_config.json"
KEY_BASE_NAME = "ratchet.base.name"
KEY_BASE_SHA = "ratchet.base.sha256"
KEY_METHOD = "ratchet.method"
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


@dataclass(frozen=True)
class BaseModelRef:
    """The exact base weights an adapter is trained on and served with."""

    name: str
    sha256: str
    gguf: Path

    @classmethod
    def resolve(cls, name: str) -> BaseModelRef:
        """A named model of the catalogue (weights verified) or a GGUF file by path."""
        from ratchet.models.catalog import CATALOG, file_sha256, resolve_weights

        if name in CATALOG:
            return cls(name, CATALOG[name].sha256, resolve_weights(name))
        path = Path(name)
        if path.suffix == ".gguf" and path.is_file():
            return cls(path.stem, file_sha256(path), path)
        from ratchet.errors import unknown_name

        raise unknown_name("model", name, CATALOG)

    def describe(self) -> str:
        return f"{self.name} (sha256 {self.sha256[:12]}…)"


@dataclass(frozen=True)
class AdapterArtifact:
    """A trained LoRA adapter and everything needed to repeat, audit or refuse it."""

    path: Path
    base_name: str
    base_sha256: str
    method: str
    train_config: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)  # sha256, example count, kinds
    metrics: Mapping[str, Any] = field(default_factory=dict)  # seconds, losses, steps
    init: str | None = None  # the artifact training continued from (None: from the base)
    created: str = ""

    @property
    def gguf(self) -> Path:
        return self.path / GGUF_FILE

    @property
    def label(self) -> str:
        return self.path.name

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("path")
        return json.loads(json.dumps(data))


def load_artifact(path: Path | str) -> AdapterArtifact:
    """An artifact from its directory (or from the `adapter.gguf` inside it)."""
    path = Path(path)
    directory = path.parent if path.suffix == ".gguf" else path
    meta_path = directory / ARTIFACT_FILE
    if not meta_path.is_file():
        raise UserError(f"{directory} is not an adapter artifact (no {ARTIFACT_FILE})")
    data = json.loads(meta_path.read_text())
    return AdapterArtifact(path=directory, **data)


# ---------------------------------------------------------------------------------------------
# Atomic writes: a full disk or a kill leaves every existing file as it was.


@contextlib.contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a scratch directory that becomes `target` only if the block completes."""
    target = Path(target)
    if target.exists():
        raise UserError(f"{target} already exists: artifacts are immutable, choose another path")
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        scratch.mkdir()
        yield scratch
        _fsync_tree(scratch)
        os.rename(scratch, target)
        _fsync_dir(target.parent)
    except OSError as error:
        shutil.rmtree(scratch, ignore_errors=True)
        if error.errno in DISK_FULL:
            raise UserError(
                f"disk full while saving {target}: free space and rerun; nothing else was changed"
            ) from None
        raise
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Replace `path` with `data` as JSON in one step; on a full disk the old file stays."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with open(scratch, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(data, indent=2))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(scratch, path)
    except OSError as error:
        scratch.unlink(missing_ok=True)
        if error.errno in DISK_FULL:
            raise UserError(f"disk full while writing {path}: free space and rerun; the old file is intact") from None
        raise


def _fsync_tree(directory: Path) -> None:
    for item in directory.rglob("*"):
        if item.is_file():
            with open(item, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_artifact_meta(directory: Path, artifact: AdapterArtifact) -> None:
    (directory / ARTIFACT_FILE).write_text(json.dumps(artifact.to_json(), indent=2))


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


# ---------------------------------------------------------------------------------------------
# Refusing an adapter trained for another base model.


def adapter_base(adapter: Path | str) -> tuple[str, str]:
    """(base name, base sha256) an adapter was trained for: from its artifact directory, or from
    the `ratchet.base.*` keys of a GGUF adapter file."""
    path = Path(adapter)
    if path.is_dir() or (path.suffix == ".gguf" and (path.parent / ARTIFACT_FILE).is_file()):
        artifact = load_artifact(path)
        return artifact.base_name, artifact.base_sha256
    if not path.is_file():
        raise UserError(f"no adapter at {path}")
    meta = read_gguf_metadata(path, {KEY_BASE_NAME, KEY_BASE_SHA, "general.type"})
    if meta.get("general.type") != "adapter":
        raise UserError(f"{path} is not a GGUF LoRA adapter (general.type={meta.get('general.type')!r})")
    if KEY_BASE_SHA not in meta:
        raise UserError(f"{path} does not record its base model; export it with `ratchet train export`")
    return str(meta.get(KEY_BASE_NAME, "?")), str(meta[KEY_BASE_SHA])


def check_adapter_base(adapter: Path | str, base: BaseModelRef) -> None:
    """Refuse, in one line naming both, an adapter trained for other weights than `base`."""
    name, sha = adapter_base(adapter)
    if sha != base.sha256:
        raise UserError(
            f"adapter {adapter} was trained for {name} (sha256 {sha[:12]}…), not for "
            f"{base.describe()}: use it with {name} or train one for {base.name}"
        )


def load_adapted_model(model: str, adapter: Path | str, **kwargs: Any):
    """`load_model(model, adapter=…)` after checking the adapter was trained for that model."""
    from ratchet.models.loading import load_model

    artifact_dir = Path(adapter)
    gguf_path = artifact_dir / GGUF_FILE if artifact_dir.is_dir() else artifact_dir
    check_adapter_base(adapter, BaseModelRef.resolve(model))
    return load_model(model, adapter=str(gguf_path), **kwargs)


# ---------------------------------------------------------------------------------------------
# GGUF metadata, read without the gguf package (so the refusal works without the train extra).

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


def read_gguf_metadata(path: Path | str, keys: set[str] | None = None) -> dict[str, Any]:
    """The key/value header of a GGUF file (version 2 or 3). Arrays are skipped unless asked for
    by name; `keys` limits what is returned."""
    with open(path, "rb") as handle:
        if handle.read(4) != b"GGUF":
            raise UserError(f"{path} is not a GGUF file")
        (version,) = struct.unpack("<I", handle.read(4))
        if version < 2:
            raise UserError(f"{path} is GGUF version {version}; re-export it with a current llama.cpp")
        _n_tensors, n_kv = struct.unpack("<QQ", handle.read(16))
        found: dict[str, Any] = {}
        for _ in range(n_kv):
            key = _read_string(handle)
            (kind,) = struct.unpack("<I", handle.read(4))
            wanted = keys is None or key in keys
            value = _read_value(handle, kind, keep=wanted)
            if wanted:
                found[key] = value
            if keys is not None and len(found) == len(keys):
                break
    return found


def _read_string(handle) -> str:
    (length,) = struct.unpack("<Q", handle.read(8))
    return handle.read(length).decode("utf-8", errors="replace")


def _read_value(handle, kind: int, keep: bool) -> Any:
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        return struct.unpack(fmt, handle.read(struct.calcsize(fmt)))[0]
    if kind == _STRING:
        return _read_string(handle)
    if kind == _ARRAY:
        (item_kind,) = struct.unpack("<I", handle.read(4))
        (count,) = struct.unpack("<Q", handle.read(8))
        if item_kind in _SCALARS and not keep:
            handle.seek(count * struct.calcsize(_SCALARS[item_kind]), os.SEEK_CUR)
            return None
        items = [_read_value(handle, item_kind, keep) for _ in range(count)]
        return items if keep else None
    raise UserError(f"unknown GGUF value type {kind}")


# ---------------------------------------------------------------------------------------------
# Export: PEFT safetensors -> llama.cpp GGUF LoRA.

#: Architectures whose llama.cpp q/k weights are stored with interleaved rotary halves.
PERMUTED_QK = {"llama"}


def export_gguf(peft_dir: Path, base: BaseModelRef, out: Path, method: str = "") -> Path:
    """Write the PEFT adapter in `peft_dir` as a GGUF LoRA adapter for `base` at `out`
    (atomically: a failure leaves any previous file at `out` untouched)."""
    try:
        import gguf
        from safetensors.numpy import load_file
    except ImportError as error:
        raise MissingExtraError("exporting adapters to GGUF", "train", "gguf safetensors") from error
    config = json.loads((Path(peft_dir) / PEFT_CONFIG).read_text())
    alpha = _effective_alpha(config)
    weights = load_file(str(Path(peft_dir) / PEFT_WEIGHTS))
    meta = read_gguf_metadata(base.gguf, _base_keys(base))
    arch = meta["general.architecture"]
    tensors = _gguf_tensors(weights, arch, meta, gguf)
    out = Path(out)
    scratch = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        writer = gguf.GGUFWriter(str(scratch), arch)
        writer.add_type(gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
        writer.add_string(KEY_BASE_NAME, base.name)
        writer.add_string(KEY_BASE_SHA, base.sha256)
        if method:
            writer.add_string(KEY_METHOD, method)
        for name, array in tensors:
            writer.add_tensor(name, array)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(scratch, out)
    except OSError as error:
        scratch.unlink(missing_ok=True)
        if error.errno in DISK_FULL:
            raise UserError(f"disk full while writing {out}: free space and rerun; nothing else was changed") from None
        raise
    return out


def _base_keys(base: BaseModelRef) -> set[str]:
    arch = read_gguf_metadata(base.gguf, {"general.architecture"})["general.architecture"]
    return {
        "general.architecture",
        f"{arch}.attention.head_count",
        f"{arch}.attention.head_count_kv",
        f"{arch}.block_count",
    }


def _effective_alpha(config: Mapping[str, Any]) -> float:
    """The alpha llama.cpp needs so that alpha / rank equals PEFT's scaling."""
    if config.get("rank_pattern") or config.get("alpha_pattern"):
        raise UserError("adapters with per-module ranks or alphas cannot be exported to GGUF")
    if config.get("modules_to_save"):
        raise UserError("adapters that save whole modules (modules_to_save) cannot be exported to GGUF")
    rank, alpha = int(config["r"]), float(config["lora_alpha"])
    if config.get("use_rslora"):
        return alpha * math.sqrt(rank)  # rsLoRA scales by alpha / sqrt(rank)
    return alpha


def _gguf_tensors(weights: Mapping[str, Any], arch: str, meta: Mapping[str, Any], gguf) -> list[tuple[str, Any]]:
    import numpy as np

    arch_ids = {value: key for key, value in gguf.MODEL_ARCH_NAMES.items()}
    if arch not in arch_ids:
        raise UserError(f"llama.cpp architecture '{arch}' is unknown to the installed gguf package")
    name_map = gguf.get_tensor_name_map(arch_ids[arch], int(meta[f"{arch}.block_count"]))
    n_head = int(meta[f"{arch}.attention.head_count"])
    n_head_kv = int(meta.get(f"{arch}.attention.head_count_kv", n_head))
    pairs: dict[str, dict[str, Any]] = {}
    for key, array in weights.items():
        if ".lora_A." in key:
            part = "a"
        elif ".lora_B." in key:
            part = "b"
        else:
            raise UserError(f"unexpected tensor '{key}' in the adapter: only LoRA A/B weights export to GGUF")
        module = key.replace("base_model.model.", "", 1).split(".lora_")[0]
        pairs.setdefault(module, {})[part] = np.ascontiguousarray(array, dtype=np.float32)
    tensors = []
    for module, pair in sorted(pairs.items()):
        if set(pair) != {"a", "b"}:
            raise UserError(f"adapter module '{module}' lacks its lora_A or lora_B weight")
        target = name_map.get_name(module + ".weight", try_suffixes=(".weight",))
        if target is None:
            raise UserError(f"no llama.cpp tensor for adapter module '{module}' ({arch})")
        lora_b = pair["b"]
        if arch in PERMUTED_QK and module.endswith("q_proj"):
            lora_b = _permute_rows(lora_b, n_head)
        elif arch in PERMUTED_QK and module.endswith("k_proj"):
            lora_b = _permute_rows(lora_b, n_head_kv)
        tensors.append((target + ".lora_a", pair["a"]))
        tensors.append((target + ".lora_b", np.ascontiguousarray(lora_b)))
    return tensors


def _permute_rows(matrix, heads: int):
    """Interleave the two rotary halves of each head's rows, as llama.cpp stores llama q/k."""
    rows = matrix.shape[0]
    return matrix.reshape(heads, 2, rows // heads // 2, *matrix.shape[1:]).swapaxes(1, 2).reshape(matrix.shape)
