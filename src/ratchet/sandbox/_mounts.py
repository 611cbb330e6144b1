"""The sandbox's filesystem, set up by the supervisor inside its mount namespace: Python's way
through hidden directories, a read-only tree, private scratch tmpfs mounts, covered paths, and
the program's memory cgroup. A sibling of `_supervisor.py`, imported by it (standard library
only, no imports from `ratchet`: it runs outside the package, under `python -I`).
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
SYS_MOUNT_SETATTR = 442  # the same number on x86_64 and aarch64 (the generic syscall table)
SYS_OPEN_TREE, OPEN_TREE_CLONE = 428, 1
AT_FDCWD, AT_RECURSIVE, AT_EMPTY_PATH, MOUNT_ATTR_RDONLY = -100, 0x8000, 0x1000, 0x1

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]


def check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    encoded = [None if text is None else text.encode() for text in (source, target, fstype, data)]
    check(_libc.mount(*encoded[:3], flags, encoded[3]), f"mount {target}")


def expose_python(masks: list) -> None:
    """Hide each directory the sandbox uid cannot traverse behind a tmpfs holding only the
    entries on the way to Python (bound back from the original), e.g. /root -> /root/.pyenv."""
    kept = {}
    for directory, names in masks:  # open everything first: later mounts hide the originals
        for name in names:
            kept[(directory, name)] = os.open(os.path.join(directory, name), os.O_PATH)
    for directory, names in masks:  # shallowest first
        mount("tmpfs", directory, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=256k")
        for name in names:
            fd, target = kept[(directory, name)], os.path.join(directory, name)
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                os.mkdir(target)
            else:
                os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
            mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
    for fd in kept.values():
        os.close(fd)


class _MountAttr(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in ("attr_set", "attr_clr", "propagation", "userns_fd")]


def make_tree_read_only() -> bool:
    """Every mount in this namespace becomes read-only (mount_setattr, Linux >= 5.12)."""
    if os.uname().machine not in ("x86_64", "aarch64"):
        return False
    attr = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    result = _libc.syscall(
        ctypes.c_long(SYS_MOUNT_SETATTR), ctypes.c_int(AT_FDCWD), ctypes.c_char_p(b"/"),
        ctypes.c_uint(AT_RECURSIVE), ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
    )
    return result == 0


def private_scratch(config: dict, source: bytes) -> None:
    """Fresh tmpfs on the shared scratch directories, on the directory holding the work
    directory (other runs' directories are there) and on the work directory (holding main.py).
    Python's own directories under them (a venv in /tmp) are bound back, read-only."""
    size = f"size={config['scratch_mb']}m,nr_inodes=4096"
    python = python_paths()
    scratch = [path for path in config["scratch_dirs"] if os.path.isdir(path) and not os.path.islink(path)]
    for directory in scratch:
        fresh_tmpfs(directory, f"mode=1777,{size}", python)
    workdir, uid = config["workdir"], config["uid"]
    parent = os.path.dirname(workdir)
    if parent != "/" and not any(_within(parent, directory) for directory in scratch):
        fresh_tmpfs(parent, f"mode=0755,{size}", python)
    flags = MS_NOSUID | MS_NODEV
    os.makedirs(workdir, exist_ok=True)
    owner = "" if uid is None else f",uid={uid},gid={uid}"
    mount("tmpfs", workdir, "tmpfs", flags, f"mode=0700,{size}{owner}")
    main = os.path.join(workdir, "main.py")
    with open(main, "wb") as handle:
        handle.write(source)
    if uid is not None:
        os.chown(main, uid, uid)


def fresh_tmpfs(directory: str, options: str, keep: list[str]) -> None:
    """An empty tmpfs over `directory`, with the paths of `keep` inside it bound back."""
    inside = sorted(path for path in keep if path != directory and _within(path, directory))
    outermost = [path for path in inside if not any(other != path and _within(path, other) for other in inside)]
    kept = [(path, os.open(path, os.O_PATH)) for path in outermost]  # before the tmpfs hides them
    try:
        mount("tmpfs", directory, "tmpfs", MS_NOSUID | MS_NODEV, options)
        for path, fd in kept:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                os.mkdir(path)
            else:
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)  # read-only, as the original
    finally:
        for _, fd in kept:
            os.close(fd)


def python_paths(_known: list = []) -> list[str]:  # noqa: B006 - computed once per interpreter
    """What this interpreter (and so the program, its fork) cannot run without: its prefixes,
    import path and the directories along its executable's symlink chain. Computed once (in
    the fork server, before it forks any sandbox): resolving them costs most of a millisecond."""
    if not _known:
        _known.extend(_resolve_python_paths())
    return _known


def _resolve_python_paths() -> list[str]:
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path}
    link = sys.executable
    for _ in range(40):
        paths.add(os.path.dirname(os.path.abspath(link)))
        if not os.path.islink(link):
            break
        link = os.path.join(os.path.dirname(link), os.readlink(link))
    return sorted({os.path.realpath(path) for path in paths if path and os.path.exists(path)})


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def join_cgroup(config: dict) -> None:
    """Move this process (the program's, before any of its code) into the run's memory cgroup,
    which the harness made: its descendants are born inside. The tree is read-only by now, so
    the cgroup file is opened through a private, writable clone of its mount."""
    base = config.get("memory_cgroup")
    if not base:
        return
    directory = os.path.join(base, os.path.basename(config["workdir"]))
    # cgroup v1: move our only thread (a fork's child has one), which skips the global lock that
    # moving a whole process takes (13 ms against 0.1 ms here); v2 moves processes only.
    name = "cgroup.procs" if os.path.exists(os.path.join(base, "cgroup.controllers")) else "tasks"
    try:
        fd = os.open(os.path.join(directory, name), os.O_WRONLY)
    except OSError as error:
        if error.errno != errno.EROFS:
            raise
        fd = _open_through_writable_clone(directory, name)
    try:
        os.write(fd, b"0")
    finally:
        os.close(fd)


def _open_through_writable_clone(directory: str, name: str) -> int:
    flags = OPEN_TREE_CLONE | os.O_CLOEXEC
    tree = _libc.syscall(ctypes.c_long(SYS_OPEN_TREE), ctypes.c_int(AT_FDCWD), ctypes.c_char_p(directory.encode()),
                         ctypes.c_uint(flags))
    if tree < 0:
        check(tree, f"open_tree {directory}")
    try:
        attr = _MountAttr(0, MOUNT_ATTR_RDONLY, 0, 0)  # clear read-only, on the detached clone only
        result = _libc.syscall(
            ctypes.c_long(SYS_MOUNT_SETATTR), ctypes.c_int(tree), ctypes.c_char_p(b""),
            ctypes.c_uint(AT_EMPTY_PATH), ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
        )
        check(result, f"mount_setattr {directory}")
        return os.open(name, os.O_WRONLY, dir_fd=tree)
    finally:
        os.close(tree)


def cgroups_stay_writable(plan: dict) -> None:
    """As root, keep the base of the runs' memory cgroups writable in this namespace (its files
    are root's: the program, which runs as a uid of its own, still cannot write them), so the
    program joins its cgroup with a plain write. The other way, a writable clone of the mount,
    costs an RCU grace period when the clone is dropped: 9 ms on every run's critical path.
    In a user namespace the program is the cgroup's owner, so there the clone it is."""
    base = plan.get("memory_cgroup")
    if not base or "userns" in plan["namespaces"]:
        return
    mount(base, base, None, MS_BIND)  # a mount of its own, so that only it turns writable
    attr = _MountAttr(0, MOUNT_ATTR_RDONLY, 0, 0)
    result = _libc.syscall(
        ctypes.c_long(SYS_MOUNT_SETATTR), ctypes.c_int(AT_FDCWD), ctypes.c_char_p(base.encode()),
        ctypes.c_uint(0), ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
    )
    check(result, f"mount_setattr {base}")


def hide_paths(paths: list) -> bool:
    """Cover each path with nothing: an empty read-only tmpfs over a directory, /dev/null over
    a file (e.g. a benchmark's data set, which holds the hidden tests and the answers)."""
    for path in paths:
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "mode=0555,size=4k")
        elif os.path.exists(path):
            mount("/dev/null", path, None, MS_BIND)
    return bool(paths)
