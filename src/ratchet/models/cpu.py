"""Which llama.cpp CPU setting is safe on this machine, decided from /proc/cpuinfo.

llama-cpp-python compiles llama.cpp for the CPU it is installed on. On a CPU with AMX (Intel
Sapphire Rapids and later) that build includes llama.cpp's AMX "extra buffer type", whose matrix
multiply (`ggml_backend_amx_mul_mat`) has crashed with SIGSEGV on the first decode in a KVM guest.
Loading the model with `use_extra_bufts = false` keeps llama.cpp off every extra buffer type (AMX,
and the weight repacking that speeds up AVX2/AVX-512/ARM CPUs), so it is only chosen where AMX is
present: the AMX buffer type is used exactly when the kernel reports AMX, which is what the
`amx_*` flags of /proc/cpuinfo say. `RATCHET_LLAMA_SAFE_CPU=1` forces the safe setting, `=0`
forces the fast one. The decision is part of the model's identity (see `LlamaCppModel`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ratchet.errors import UserError

AMX_FLAGS = frozenset({"amx_tile", "amx_bf16", "amx_int8"})
ENV_OVERRIDE = "RATCHET_LLAMA_SAFE_CPU"
CPUINFO = Path("/proc/cpuinfo")


@dataclass(frozen=True)
class CpuSetting:
    """`use_extra_bufts`: llama.cpp's model parameter (False = the safe setting); `reason`: why."""

    use_extra_bufts: bool
    reason: str

    @property
    def identity_suffix(self) -> str:
        """Appended to a model identity when the safe setting is on (outputs may differ)."""
        return "" if self.use_extra_bufts else "+no-extra-bufts"


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The feature flags of /proc/cpuinfo text: x86's `flags` lines, aarch64's `Features`."""
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in {"flags", "Features"}:
            flags.update(value.split())
    return frozenset(flags)


def choose_setting(cpuinfo: str, env: Mapping[str, str]) -> CpuSetting:
    """The setting for a CPU described by `cpuinfo`, unless `env` overrides it."""
    override = env.get(ENV_OVERRIDE, "").strip()
    if override == "1":
        return CpuSetting(False, f"{ENV_OVERRIDE}=1")
    if override == "0":
        return CpuSetting(True, f"{ENV_OVERRIDE}=0")
    if override:
        raise UserError(f"{ENV_OVERRIDE} must be 0 or 1, got {override!r}")
    amx = sorted(cpu_flags(cpuinfo) & AMX_FLAGS)
    if amx:
        return CpuSetting(False, f"the CPU has {', '.join(amx)}: llama.cpp's AMX path is avoided")
    return CpuSetting(True, "no AMX on this CPU")


def detect_setting() -> CpuSetting:
    """The setting for this machine (no /proc/cpuinfo, e.g. macOS: the default, fast one)."""
    try:
        cpuinfo = CPUINFO.read_text(errors="replace")
    except OSError:
        cpuinfo = ""
    return choose_setting(cpuinfo, os.environ)
