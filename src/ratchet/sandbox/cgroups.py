"""One memory cgroup per run, so that memory is bounded per sandbox, not per process.

RLIMIT_AS bounds each process's address space; a program that forks multiplies it. Where a
cgroup can be used, each run gets its own child of a base cgroup, with `memory_mb` as the
limit on everything its processes hold together (anonymous memory, tmpfs files, page cache):

- cgroup v2 with the memory controller: `memory.max` (and `memory.swap.max` = 0,
  `pids.max` = max_processes where the pids controller is there). Base: `$RATCHET_CGROUP` (a
  v2 cgroup delegated to you, e.g. `systemd-run --user -p Delegate=yes --scope ...` made it;
  it must hold no processes), or, as root, `ratchet` under our own cgroup or the root.
- cgroup v1's memory hierarchy (a hybrid layout where v2 has no memory controller), as root:
  `memory.limit_in_bytes` (and `memory.memsw.limit_in_bytes` where swap is accounted), base
  `ratchet` under our own memory cgroup, so that no limit placed on us is escaped.

The harness makes the run's cgroup before launch and removes it afterwards (killing whatever
is left in it); the program's process moves itself in before running any of its code
(`_supervisor.join_cgroup`), so all its descendants are inside. A run's cgroup is named after
its work directory, so a stale one is found with it (see `leftovers.py`).

Without a usable cgroup the bound is `memory_mb` per process times `max_processes` processes
(RLIMIT_NPROC, which holds per sandbox: a uid of its own, or a user namespace of its own).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

from ratchet.errors import BackendError
from ratchet.sandbox.leftovers import LIVE
from ratchet.sandbox.limits import MIB, SandboxLimits

CGROUP_ENV = "RATCHET_CGROUP"
BASE_NAME = "ratchet"
REMOVE_SECONDS = 2.0  # how long removal waits for killed processes to leave a run's cgroup


def find_memory_cgroup() -> str:
    """The base cgroup under which each run can get a memory cgroup of its own, or "" when
    none can be used here (tried for real: a child is made, limited and joined)."""
    for base in _candidates():
        with contextlib.suppress(OSError, subprocess.SubprocessError, BackendError):
            if _prepare_base(base) and _probe(base):
                return base
    return ""


def is_v2(base: str) -> bool:
    return os.path.exists(os.path.join(base, "cgroup.controllers"))


@contextlib.contextmanager
def run_cgroup(base: str, name: str, limits: SandboxLimits) -> Iterator[None]:
    """The run's own cgroup `base/name`, limited, for the duration of the run; a no-op
    without a base."""
    if not base:
        yield
        return
    path = os.path.join(base, name)
    try:
        os.mkdir(path, 0o755)
        _set_limits(path, limits)
    except OSError as error:
        remove_cgroup(path)
        retryable = error.errno in (errno.EAGAIN, errno.ENOMEM, errno.ENOSPC)
        raise BackendError(f"could not make the sandbox's cgroup {path}: {error}", retryable=retryable) from error
    try:
        with LIVE.track(lambda: remove_cgroup(path)):
            yield
    finally:
        remove_cgroup(path)


def remove_cgroup(path: str) -> bool:
    """Kill every process in the cgroup and remove it; False if it would not go in time."""
    deadline = time.monotonic() + REMOVE_SECONDS
    while True:
        try:
            os.rmdir(path)
            return True
        except FileNotFoundError:
            return True
        except OSError as error:
            if error.errno != errno.EBUSY or time.monotonic() > deadline:
                return False
        kill_members(path)
        time.sleep(0.002)


def kill_members(path: str) -> None:
    """SIGKILL every process in the cgroup (cgroup.kill where v2 has it)."""
    with contextlib.suppress(OSError):
        if os.path.exists(os.path.join(path, "cgroup.kill")):
            _write(os.path.join(path, "cgroup.kill"), "1")
            return
    for pid in _members(path):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def peak_bytes(path: str) -> int | None:
    """The most memory the cgroup's processes held at once (None where the kernel does not say)."""
    for name in ("memory.peak", "memory.max_usage_in_bytes"):
        with contextlib.suppress(OSError, ValueError):
            with open(os.path.join(path, name)) as handle:
                return int(handle.read())
    return None


def _set_limits(path: str, limits: SandboxLimits) -> None:
    memory = str(limits.memory_mb * MIB)
    if is_v2(path):
        _write(os.path.join(path, "memory.max"), memory)
        _write_if_there(os.path.join(path, "memory.swap.max"), "0")
        _write_if_there(os.path.join(path, "pids.max"), str(limits.max_processes))
    else:
        _write(os.path.join(path, "memory.limit_in_bytes"), memory)
        _write_if_there(os.path.join(path, "memory.memsw.limit_in_bytes"), memory)


def _members(path: str) -> list[int]:
    try:
        with open(os.path.join(path, "cgroup.procs")) as handle:
            return [int(line) for line in handle if line.strip()]
    except OSError:
        return []


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _write_if_there(path: str, text: str) -> None:
    if os.path.exists(path):
        _write(path, text)


# ---------------------------------------------------------------- finding a base


def _candidates() -> Iterator[str]:
    explicit = os.environ.get(CGROUP_ENV)
    if explicit:
        yield explicit
    if os.geteuid() != 0:
        return
    mounts, own = _cgroup_mounts(), _own_cgroups()
    v2 = mounts.get("")
    if v2 and "memory" in _read(os.path.join(v2, "cgroup.controllers")).split():
        yield os.path.join(v2, own.get("", "/").lstrip("/"), BASE_NAME)
        yield os.path.join(v2, BASE_NAME)
    v1 = mounts.get("memory")
    if v1:
        yield os.path.join(v1, own.get("memory", "/").lstrip("/"), BASE_NAME)


def _prepare_base(base: str) -> bool:
    """Make the base (as root) and, on v2, let its children have the memory and pids
    controllers. False if this base cannot limit memory."""
    if not os.path.isdir(base):
        os.mkdir(base, 0o755)
    if not is_v2(base):
        return os.path.exists(os.path.join(base, "memory.limit_in_bytes"))
    parent = os.path.dirname(base)
    for directory in (parent, base) if os.environ.get(CGROUP_ENV) != base else (base,):
        available = _read(os.path.join(directory, "cgroup.controllers")).split()
        wanted = [f"+{name}" for name in ("memory", "pids") if name in available]
        with contextlib.suppress(OSError):  # already enabled, or not ours to change
            _write(os.path.join(directory, "cgroup.subtree_control"), " ".join(wanted))
    return "memory" in _read(os.path.join(base, "cgroup.subtree_control")).split()


def _probe(base: str) -> bool:
    """Make a limited child and have a process move itself in, as a program will."""
    with run_cgroup(base, f"probe-{os.getpid()}", SandboxLimits()):
        procs = os.path.join(base, f"probe-{os.getpid()}", "cgroup.procs")
        code = f"import os\nfd = os.open({procs!r}, os.O_WRONLY)\nos.write(fd, b'0')\n"
        done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, timeout=30, check=False)
        return done.returncode == 0


def _cgroup_mounts() -> dict[str, str]:
    """{"": the cgroup2 mount, controller: its cgroup v1 mount} from /proc/self/mountinfo."""
    mounts: dict[str, str] = {}
    for line in _read("/proc/self/mountinfo").splitlines():
        fields = line.split(" - ", 1)
        if len(fields) != 2:
            continue
        fstype, _source, options = (fields[1].split() + ["", ""])[:3]
        target = fields[0].split()[4]
        if fstype == "cgroup2":
            mounts.setdefault("", target)
        elif fstype == "cgroup":
            for option in options.split(","):
                mounts.setdefault(option, target)
    return mounts


def _own_cgroups() -> dict[str, str]:
    """{"": our v2 path, controller: our v1 path} from /proc/self/cgroup."""
    own: dict[str, str] = {}
    for line in _read("/proc/self/cgroup").splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    return own


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""
