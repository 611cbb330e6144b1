"""The sandbox supervisor: a separate process that runs model-written code, never the harness.

The harness starts it as `python -I -S _supervisor.py CONFIG` (CONFIG: marshal, in hex), inside fresh namespaces
when they are available (then it is the pid namespace's init). It

1. hardens the filesystem view (only inside a mount namespace): directories the sandbox user
   could not traverse to reach Python are hidden behind a tmpfs that shows only the Python
   install; the whole tree becomes read-only; /tmp, /var/tmp, /dev/shm and the work directory
   become small private tmpfs mounts;
2. forks the program's process, which applies the rlimits, drops to the sandbox uid (or drops
   its capabilities inside a user namespace), sets no_new_privs and execs Python on main.py;
3. waits for it until the wall deadline, reaping orphans; kills what it left behind when no
   pid namespace will (it is a child subreaper, so setsid daemons stay below it); writes one
   JSON report (how the program ended, the layers in force) to the report fd.

Standard library only, and it never writes to stdout or stderr: those belong to the program.
Its imports are chosen for start-up time (no json, re or enum): it starts once per run.
"""

from __future__ import annotations

import ctypes
import errno
import _signal as signal  # the C module: `signal` would import enum, ~3 ms per run
import marshal
import os
import resource
import stat
import sys
import time

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
SYS_MOUNT_SETATTR = 442  # the same number on x86_64 and aarch64 (the generic syscall table)
AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = -100, 0x8000, 0x1
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 4, 24, 28
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 36, 38
# noroot + no_setuid_fixup + keep_caps, each locked: an exec'ed ns-root cannot regain capabilities
LOCKED_SECUREBITS = 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x80
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
SETUP_FAILED = 127  # the program's process exits with this when it could not exec Python

_libc = ctypes.CDLL(None, use_errno=True)


class WallTime(Exception):
    """The wall-time deadline passed."""


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda text: None if text is None else text.encode()  # noqa: E731
    _libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    _check(_libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


# ---------------------------------------------------------------- filesystem (root, mount ns)


def expose_python(masks: list[list]) -> None:
    """Hide each directory the sandbox uid cannot traverse behind a tmpfs holding only the
    entries on the way to Python (bound back from the original), e.g. /root -> /root/.pyenv."""
    kept = {}
    for directory, names in masks:  # open everything first: later mounts hide the originals
        for name in names:
            kept[(directory, name)] = os.open(os.path.join(directory, name), os.O_PATH)
    for directory, names in masks:  # shallowest first
        _mount("tmpfs", directory, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=256k")
        for name in names:
            fd, target = kept[(directory, name)], os.path.join(directory, name)
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                os.mkdir(target)
            else:
                os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
            _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
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
    """Fresh tmpfs on the shared scratch directories and on the work directory (holding main.py)."""
    size = f"size={config['scratch_mb']}m,nr_inodes=4096"
    flags = MS_NOSUID | MS_NODEV
    for directory in config["scratch_dirs"]:
        if os.path.isdir(directory) and not os.path.islink(directory):
            _mount("tmpfs", directory, "tmpfs", flags, f"mode=1777,{size}")
    workdir, uid = config["workdir"], config["uid"]
    os.makedirs(workdir, exist_ok=True)
    owner = "" if uid is None else f",uid={uid},gid={uid}"
    _mount("tmpfs", workdir, "tmpfs", flags, f"mode=0700,{size}{owner}")
    main = os.path.join(workdir, "main.py")
    with open(main, "wb") as handle:
        handle.write(source)
    if uid is not None:
        os.chown(main, uid, uid)


def harden_filesystem(config: dict, source: bytes) -> list[str]:
    expose_python(config["masks"])
    layers = ["ro-root"] if make_tree_read_only() else []
    private_scratch(config, source)
    return layers + ["private-tmp"]


# ---------------------------------------------------------------- the program's process


def drop_capabilities() -> None:
    """Inside a user namespace we are its root: give up every capability for good."""
    _check(_libc.prctl(PR_SET_SECUREBITS, LOCKED_SECUREBITS, 0, 0, 0), "securebits")
    for capability in range(64):
        _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the last one
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(header, data), "capset")


def become_program(config: dict) -> None:
    """In the forked child: limit, de-privilege and exec Python on main.py. Never returns."""
    for name, (soft, hard) in config["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    if config["drop_capabilities"]:
        drop_capabilities()
    uid = config["uid"]
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    os.chdir(config["workdir"])
    os.execve(config["python"], [config["python"], *config["python_args"], "main.py"], config["env"])


def start_program(config: dict) -> int:
    """Fork the program's process; raise OSError with its message if it could not exec."""
    error_r, error_w = os.pipe()  # close-on-exec: EOF means the exec succeeded
    pid = os.fork()
    if pid == 0:
        try:
            os.close(error_r)
            become_program(config)
        except BaseException as error:  # noqa: BLE001 - anything here is a setup failure
            os.write(error_w, f"{type(error).__name__}: {error}".encode()[:4000])
        finally:
            os._exit(SETUP_FAILED)
    os.close(error_w)
    message = b""
    while chunk := os.read(error_r, 4096):
        message += chunk
    os.close(error_r)
    if message:
        os.waitpid(pid, 0)
        raise OSError(errno.EPERM, "starting the program failed: " + message.decode(errors="replace"))
    return pid


def kill_descendants() -> None:
    """Without a pid namespace: SIGKILL and reap every process below us. We are a child
    subreaper, so even daemons that double-forked and called setsid are still below us."""
    me = os.getpid()
    for _ in range(1000):  # rounds: a dying fork bomb hands us its orphans
        children = [pid for pid, parent in _parents() if parent == me]
        if not children:
            return
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _parents() -> list[tuple[int, int]]:
    """(pid, parent pid) of every process we can see."""
    pairs = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                pairs.append((int(name), int(fields[1])))
            except (OSError, IndexError, ValueError):
                pass
    return pairs


def _raise_wall_time(signum: int, frame: object) -> None:
    raise WallTime


def wait_for(pid: int, config: dict) -> dict:
    """Wait for the program, reaping orphans (we may be init); kill it at the wall deadline
    (CLOCK_MONOTONIC is shared with the harness, which waits a little longer as a backstop)."""
    signal.signal(signal.SIGALRM, _raise_wall_time)
    signal.setitimer(signal.ITIMER_REAL, max(0.001, config["deadline"] - time.monotonic()))
    killed = False
    while True:
        try:
            child, status, usage = os.wait4(-1, 0)
        except WallTime:
            killed = True
            os.kill(pid, signal.SIGKILL)
            continue
        if child == pid:
            break
    signal.setitimer(signal.ITIMER_REAL, 0)
    return {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "max_rss_kb": usage.ru_maxrss,
        "killed_for_wall_time": killed,
    }


def to_json(value: object) -> str:
    """JSON for the report's plain values, without importing json (and with it re and enum)."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + "".join(map(_json_char, value)) + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    return "{" + ",".join(f"{to_json(str(key))}:{to_json(item)}" for key, item in value.items()) + "}"


def _json_char(char: str) -> str:
    if " " <= char <= "~" and char not in '"\\':
        return char
    units = char.encode("utf-16-be")  # astral characters become surrogate pairs, as JSON wants
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


def main() -> None:
    config = marshal.loads(bytes.fromhex(sys.argv[1]))
    report_fd = config["report_fd"]
    os.set_inheritable(report_fd, False)
    report: dict = {"layers": []}
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans of the program come to us
    try:
        with open(os.path.join(config["workdir"], "main.py"), "rb") as handle:
            source = handle.read()
        if config["mount_namespace"]:
            report["layers"] += harden_filesystem(config, source)
        if config["uid"] is not None:
            report["layers"].append("uid")
        if config["drop_capabilities"]:
            report["layers"].append("no-caps")
        report["layers"] += ["no-new-privs", "rlimits"]
        pid = start_program(config)
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # a same-uid program (user ns) may not ptrace us
        report["program"] = wait_for(pid, config)
        if not config["pid_namespace"]:
            kill_descendants()
    except OSError as error:
        report["error"] = str(error)
        report["retryable"] = error.errno in (errno.EAGAIN, errno.ENOMEM)
    os.write(report_fd, to_json(report).encode())
    os._exit(0)  # as init, our exit kills whatever the program left in the namespace


if __name__ == "__main__":
    main()
