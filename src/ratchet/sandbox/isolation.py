"""Which isolation this machine can give a sandbox, decided once at run time.

Best first:

- namespaces + own uid (root): fresh network, pid, mount, IPC and UTS namespaces (unshare(2),
  no external tool); the program runs as a leased unprivileged uid, so RLIMIT_NPROC holds and
  it can neither signal the harness nor write outside its private scratch; the tree is
  read-only.
- user namespace (not root, but unprivileged user namespaces): the same namespaces inside a
  user namespace; the program keeps our uid but loses every capability.
- uid only (root without namespaces, e.g. a container without CAP_SYS_ADMIN).
- rlimits-only (not root): resource limits and a process group; the program runs as our user.
  As root this is refused: the program could kill every process on the machine.

Each run's result names the layers that were actually in force.
"""

from __future__ import annotations

import fcntl
import functools
import os
import pwd
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ratchet.errors import BackendError, UserError

SUPERVISOR = str(Path(__file__).with_name("_supervisor.py"))
NAMESPACES = ("netns", "pidns", "mntns", "ipcns", "utsns")
Masks = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class IsolationPlan:
    """How to launch a sandbox: which namespaces to enter, whether to switch uid, and which
    unreadable directories to hide so the sandbox uid can still reach the Python install."""

    namespaces: tuple[str, ...] = ()  # e.g. ("netns", "pidns", ...), with "userns" first if used
    drop_uid: bool = False  # run the program as a leased unprivileged uid (needs root)
    masks: Masks = ()
    hidden: tuple[str, ...] = ()  # paths the program must not read (covered in its mount namespace)

    def hiding(self, paths: Iterable[str]) -> IsolationPlan:
        """This plan, also covering `paths` (absolute, existing) in the sandbox's mount
        namespace; without a mount namespace they cannot be covered, and the plan refuses."""
        extra = tuple(sorted({os.path.realpath(path) for path in paths} - set(self.hidden)))
        if not extra:
            return self
        if not self.mount_namespace:
            raise UserError(
                f"cannot hide {extra[0]} from model-written code without a mount namespace (isolation"
                f" '{self.describe()}'): run as root with CAP_SYS_ADMIN or enable unprivileged user"
                " namespaces (sysctl kernel.unprivileged_userns_clone=1)"
            )
        return IsolationPlan(self.namespaces, self.drop_uid, self.masks, self.hidden + extra)

    @property
    def mount_namespace(self) -> bool:
        return "mntns" in self.namespaces

    @property
    def pid_namespace(self) -> bool:
        return "pidns" in self.namespaces

    @property
    def user_namespace(self) -> bool:
        return "userns" in self.namespaces

    def describe(self) -> str:
        """The planned layers (a run reports what it actually achieved)."""
        layers = list(self.namespaces) + (["uid"] if self.drop_uid else []) + ["rlimits"]
        return "+".join(layers) if len(layers) > 1 else "rlimits-only"


RLIMITS_ONLY = IsolationPlan()
USER_NAMESPACES = IsolationPlan(("userns", *NAMESPACES))


@functools.cache
def detect_isolation() -> IsolationPlan:
    """The strongest plan that works here (probed once per process).

    As root the program must always run as a leased unprivileged uid: root with only rlimits
    (or as root of a user namespace, where RLIMIT_NPROC does not hold) could kill every
    process on the machine. If even that is impossible, the plan is rlimits-only and
    `execute` refuses it with the fix (see `check_plan`)."""
    essential = interpreter_paths()
    masks, unreachable = plan_masks([*essential, *import_paths()])
    reachable = not set(essential) & set(unreachable)  # an unreadable extra sys.path entry is no bar
    if os.geteuid() == 0:
        if reachable and can_enter(NAMESPACES):
            return IsolationPlan(NAMESPACES, drop_uid=True, masks=masks)
        if reachable and not masks:
            return IsolationPlan(drop_uid=True)
        return RLIMITS_ONLY
    if can_enter(USER_NAMESPACES.namespaces):
        return USER_NAMESPACES
    return RLIMITS_ONLY


def check_plan(plan: IsolationPlan) -> None:
    """Refuse to run model-written code as root without its own uid (UserError with the fix)."""
    if os.geteuid() == 0 and not plan.drop_uid:
        raise UserError(
            f"refusing to run model-written code as root with isolation '{plan.describe()}': it could"
            " kill every process on the machine. Allow namespaces (root with CAP_SYS_ADMIN), make"
            f" Python readable by uid {UID_BASE} and up, or run Ratchet as an unprivileged user"
        )


def can_enter(namespaces: Iterable[str]) -> bool:
    """Whether a sandbox leader can create these namespaces here (asks a real supervisor)."""
    command = [sys.executable, "-I", "-S", SUPERVISOR, "probe", *namespaces]
    try:
        done = subprocess.run(command, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


# ---------------------------------------------------------------- reaching the interpreter


def interpreter_paths() -> list[str]:
    """The directories the program's Python cannot start without: its prefixes and the
    directories along the executable's symlink chain."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    link = sys.executable
    for _ in range(40):
        paths.add(os.path.dirname(os.path.abspath(link)))
        if not os.path.islink(link):
            break
        link = os.path.join(os.path.dirname(link), os.readlink(link))
    return sorted({os.path.realpath(path) for path in paths})


def import_paths() -> list[str]:
    """The import path (site-packages and what .pth files add): reachable if possible."""
    return sorted({os.path.realpath(entry) for entry in sys.path if entry and os.path.isdir(entry)})


def plan_masks(paths: Iterable[str]) -> tuple[Masks, tuple[str, ...]]:
    """(masks, unreachable): for each directory on the way to `paths` that others may not
    traverse, the entries to keep visible; and the paths others could not read even then."""
    keep: dict[str, set[str]] = {}
    unreachable = []
    for path in paths:
        parts = Path(path).parts
        for depth in range(1, len(parts)):
            parent = str(Path(*parts[:depth]))
            if parent != "/" and not _others_may(parent, stat.S_IXOTH):
                keep.setdefault(parent, set()).add(parts[depth])
        if not _others_may(path, stat.S_IROTH | stat.S_IXOTH):
            unreachable.append(path)
    depth_first = sorted(keep, key=lambda directory: (len(Path(directory).parts), directory))
    masks = tuple((directory, tuple(sorted(keep[directory]))) for directory in depth_first)
    return masks, tuple(unreachable)


def _others_may(path: str, bits: int) -> bool:
    try:
        return os.stat(path).st_mode & bits == bits
    except OSError:
        return False


# ---------------------------------------------------------------- sandbox uids

UID_BASE = 60_000  # Debian's "global allocation" range: no ordinary account lives here
UID_COUNT = 2_000


class UidLeases:
    """Hands out sandbox uids, one per concurrent run, unique across processes too (a flock
    per uid), so RLIMIT_NPROC counts one sandbox and cleanup can kill "everything of uid X"."""

    def __init__(self, base: int = UID_BASE, count: int = UID_COUNT) -> None:
        self._candidates = range(base, base + count)
        self._next = 0  # round robin: a uid comes back only after all the others were used,
        # so processes of its last run (dying after their namespace's init) are long gone
        self._busy: set[int] = set()
        self._lock = threading.Lock()
        self._accounts: frozenset[int] | None = None

    @contextmanager
    def lease(self) -> Iterator[int]:
        uid, fd = self._acquire()
        try:
            yield uid
        finally:
            os.close(fd)  # releases the flock
            with self._lock:
                self._busy.discard(uid)

    def _acquire(self) -> tuple[int, int]:
        directory = _lock_directory()
        with self._lock:
            if self._accounts is None:
                self._accounts = frozenset(entry.pw_uid for entry in pwd.getpwall())
            count = len(self._candidates)
            for offset in range(count):
                uid = self._candidates[(self._next + offset) % count]
                if uid in self._busy or uid in self._accounts:
                    continue
                fd = os.open(os.path.join(directory, f"{uid}.lock"), os.O_CREAT | os.O_RDWR, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self._busy.add(uid)
                self._next = (self._next + offset + 1) % count
                return uid, fd
        raise BackendError(f"all {len(self._candidates)} sandbox uids are in use", retryable=True)


def _lock_directory() -> str:
    directory = os.path.join(tempfile.gettempdir(), f"ratchet-sandbox-uids-{os.geteuid()}")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    info = os.lstat(directory)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise BackendError(f"{directory} is not a private directory of ours; remove it", retryable=False)
    return directory


# One table per process: uids are a machine-wide resource, like the pids they guard.
UIDS = UidLeases()


def kill_processes_of(uid: int, rounds: int = 50) -> None:
    """SIGKILL every process whose real, effective or saved uid is `uid` (harness side)."""
    for _ in range(rounds):
        found = False
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and uid in _process_uids(entry.path):
                found = True
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        if not found:
            return


def _process_uids(proc_dir: str) -> tuple[int, ...]:
    try:
        with open(os.path.join(proc_dir, "status")) as status:
            for line in status:
                if line.startswith("Uid:"):
                    return tuple(int(field) for field in line.split()[1:4])
    except OSError:
        pass
    return ()
