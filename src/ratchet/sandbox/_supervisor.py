"""The sandbox's own processes: everything here runs outside the harness, never inside it.

One run is a small process tree:

    leader      setsid; unshare() into fresh namespaces; waits for the supervisor
    supervisor  init of the new pid namespace: hardens the filesystem view, forks the
                program, waits for it until the wall deadline, writes one JSON report
    program     rlimits; its own unprivileged uid (or no capabilities in a user namespace);
                no_new_privs; then runs main.py as __main__ in this (forked) interpreter

A checked run (config["entry_point"] set) also gives the program a call channel, and the
supervisor, once the program is forked, reads the checks from their own descriptor and runs
them against it: the verdict is the checks' completion, never the program's exit status
(_calls.py says why and how).

Filesystem hardening, inside the mount namespace: directories the sandbox uid could not
traverse to reach Python are hidden behind a tmpfs that shows only the Python install; every
mount becomes read-only; /tmp, /var/tmp, /dev/shm and the work directory become small private
tmpfs mounts; /proc shows only the sandbox's processes.

Modes (argv[1]):
    run CONFIG        one run; this process is the leader (CONFIG: marshal, hex)
    serve FD PLAN N   fork server: keeps N sandboxes prepared for PLAN (marshal, hex); per
                      message on socket FD (config + stdin, stdout, stderr, report [, checks] fds)
                      hands one over and replies with its leader's pid; exits at EOF
    probe NAME...     exit 0 if these namespaces can be created here

Standard library only; it never writes to stdout or stderr, which belong to the program.
Imports are chosen for start-up time (no json, re or enum).
"""

from __future__ import annotations

import _signal as signal  # the C module: `signal` would import enum, ~3 ms per start
import atexit
import builtins
import ctypes
import errno
import faulthandler
import marshal
import os
import resource
import sys
import time

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing pulls in re (start-up time)
if TYPE_CHECKING:
    import socket
    from collections.abc import Callable

PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 4, 24, 28
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 36, 38
# noroot + no_setuid_fixup + keep_caps (+ no ambient raise), each locked
LOCKED_SECUREBITS = 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40 | 0x80
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
CLONE_FLAGS = {
    "userns": 0x10000000,
    "netns": 0x40000000,
    "pidns": 0x20000000,
    "mntns": 0x00020000,
    "ipcns": 0x08000000,
    "utsns": 0x04000000,
}
SETUP_FAILED = 127

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the siblings, outside the package
from _mounts import (  # noqa: E402
    MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_REC, _libc, expose_python, hide_paths, join_cgroup,
    make_tree_read_only, private_scratch, python_paths,
)
from _mounts import check as _check  # noqa: E402
from _mounts import cgroups_stay_writable  # noqa: E402
from _mounts import mount as _mount  # noqa: E402

del sys.path[0]  # the program's own import path stays as `python -I` makes it


class WallTime(BaseException):
    """The wall-time deadline passed (a BaseException: checks that catch Exception must not
    swallow it)."""


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


# ---------------------------------------------------------------- namespaces (leader)


def enter_namespaces(names: list[str]) -> None:
    """New namespaces for this process (and, for the pid namespace, for its children)."""
    if not names:
        return
    uid, gid = os.getuid(), os.getgid()
    flags = 0
    for name in names:
        flags |= CLONE_FLAGS[name]
    _check(_libc.unshare(flags), "unshare " + "+".join(names))
    if "userns" in names:  # become root of the new user namespace, mapped to ourselves outside
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    if "mntns" in names:  # nothing we mount may propagate back to the host
        _mount(None, "/", None, MS_REC | MS_PRIVATE)


# ---------------------------------------------------------------- the program


def drop_capabilities() -> None:
    """Inside a user namespace we are its root: give up every capability for good."""
    _check(_libc.prctl(PR_SET_SECUREBITS, LOCKED_SECUREBITS, 0, 0, 0), "securebits")
    for capability in range(64):
        _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the last one
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    _check(_libc.capset(header, (ctypes.c_uint32 * 6)()), "capset")


def become_program(config: dict, channel: tuple[int, int] | None = None) -> None:
    """In the program's process, before any of its code: limit and de-privilege. A checked
    run keeps its call channel (requests in, replies out) as fds 3 and 4; every other
    descriptor (report, checks, sockets) is closed."""
    join_cgroup(config)
    for name, (soft, hard) in config["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    if "userns" in config["namespaces"]:
        drop_capabilities()
    uid = config["uid"]
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    os.chdir(config["workdir"])
    os.environ.clear()
    os.environ.update(config["env"])
    first_free = 3
    if channel is not None:
        import fcntl  # moved above 3 and 4 first, so neither dup2 closes the other's source

        moved = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in channel]
        for target, fd in enumerate(moved, start=3):
            os.dup2(fd, target)
        first_free = 5
    os.closerange(first_free, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def run_main(path: str, source: bytes, entry_point: str | None = None) -> None:
    """Run `source` as `python -I main.py` would, in this freshly forked interpreter; exit.
    Whatever the program does (even a raising excepthook), it never returns into our code.
    In a checked run the module then answers calls of `entry_point` (see _calls.py)."""
    status = 1
    try:
        status = _shut_down(_execute_main(path, source, entry_point))
    finally:
        os._exit(status)


def _execute_main(path: str, source: bytes, entry_point: str | None = None) -> int:
    main = type(sys)("__main__")
    main.__file__, main.__builtins__ = path, builtins
    sys.modules["__main__"] = main
    sys.argv = ["main.py"]
    faulthandler.enable()  # a segfault prints the Python traceback: the relevant stderr
    try:
        exec(compile(source, path, "exec"), main.__dict__)  # noqa: S102 - the sandboxed program
        if entry_point is not None:
            _calls().answer_calls(main.__dict__, entry_point)
    except SystemExit as stop:
        return _exit_status(stop.code)
    except BaseException as error:  # noqa: BLE001 - report it exactly as the interpreter would
        # Drop our own frame; a SyntaxError from compile() then shows no frames, as in Python.
        error.__traceback__ = error.__traceback__.tb_next if error.__traceback__ else None
        sys.excepthook(type(error), error, error.__traceback__)
        return 1
    return 0


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _shut_down(status: int) -> int:
    """The interpreter's own finalisation: join threads, run atexit, flush the streams."""
    threading = sys.modules.get("threading")
    try:
        if threading is not None:
            threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001
        status = status or 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - e.g. the reader went away
            status = status or 120
    return status


def start_program(config: dict, source: bytes, channel: tuple[int, int] | None = None) -> int:
    """Fork the program's process; raise OSError with its message if its setup failed."""
    error_r, error_w = os.pipe()  # closed by closerange() once setup is done: EOF means success
    pid = os.fork()
    if pid == 0:
        try:
            os.close(error_r)
            become_program(config, channel)
        except BaseException as error:  # noqa: BLE001 - anything here is a setup failure
            os.write(error_w, f"{type(error).__name__}: {error}".encode()[:4000])
            os._exit(SETUP_FAILED)
        run_main(os.path.join(config["workdir"], "main.py"), source, config.get("entry_point"))
    os.close(error_w)
    message = b""
    while chunk := os.read(error_r, 4096):
        message += chunk
    os.close(error_r)
    if message:
        os.waitpid(pid, 0)
        raise OSError(errno.EPERM, "starting the program failed: " + message.decode(errors="replace"))
    return pid


# ---------------------------------------------------------------- checked runs


def _calls():  # type: ignore[no-untyped-def]
    """_calls.py, beside this file (imported on first use: it pulls in json)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _calls as calls

    del sys.path[0]
    return calls


def check_program(config: dict, source: bytes, report: dict) -> int:
    """Fork the program with a call channel, then (only then) read the checks and run them
    here against it; returns its pid. report["checks"] says whether every check held."""
    calls = _calls()
    # Before the fork: from its first instruction, a same-uid program (user namespace) must not
    # reach our memory or descriptors (/proc/PID/mem, /proc/PID/fd/N: the checks' descriptor).
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    pid = start_program(config, source, (request_r, reply_w))
    os.close(request_r)
    os.close(reply_w)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # a vanished program is an EPIPE, not our death
    checks = _read_checks(calls, config["checks_fd"])
    proxy = calls.Proxy(config["entry_point"], request_w, reply_r)
    signal.signal(signal.SIGALRM, _raise_wall_time)
    signal.setitimer(signal.ITIMER_REAL, max(0.001, config["deadline"] - time.monotonic()))
    try:
        why = calls.run_checks(checks, proxy)
    except WallTime:
        why = "the wall-time limit passed before the checks completed"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    gone = proxy.ended  # the program's own end decides the status (crash, timeout, memory)
    if not gone:
        os.kill(pid, signal.SIGKILL)  # idle, waiting for the next call: its work is done
    report["checks"] = {
        "passed": not why, "detail": why, "calls": proxy.calls, "program_ended": gone,
        "timeout": why.startswith("the wall-time"), "memory": why.startswith("the function raised MemoryError"),
    }
    os.close(request_w)
    os.close(reply_r)
    return pid


def _read_checks(calls, fd: int) -> dict:  # type: ignore[no-untyped-def]
    """The checks as the harness compiled them (marshal: they come from the harness, never from
    the program; compiling here cost the checker a fresh parser's pages in every run)."""
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    setup, checks, call, entry_point, prefetch = marshal.loads(b"".join(chunks))
    return {"setup": setup, "checks": checks, "call": call, "entry_point": entry_point, "prefetch": prefetch}


# ---------------------------------------------------------------- supervision


def _raise_wall_time(signum: int, frame: object) -> None:
    raise WallTime


def wait_for(pid: int, deadline: float) -> dict:
    """Wait for the program, reaping orphans (we may be init); kill it at the wall deadline
    (CLOCK_MONOTONIC is shared with the harness, which waits a little longer as a backstop)."""
    signal.signal(signal.SIGALRM, _raise_wall_time)
    signal.setitimer(signal.ITIMER_REAL, max(0.001, deadline - time.monotonic()))
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


def prepare(plan: dict) -> list[str]:
    """The supervisor's set-up that does not depend on the run (so a fork server can do it
    ahead of time): a fresh /proc, Python's way through, a read-only tree."""
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans of the program come to us
    memory = ["memory-cgroup" if plan.get("memory_cgroup") else "memory-per-process"]
    if "mntns" not in plan["namespaces"]:
        return memory
    if "pidns" in plan["namespaces"]:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    expose_python(plan["masks"])
    hidden = hide_paths(plan.get("hidden", []))
    read_only = make_tree_read_only()
    if read_only:
        cgroups_stay_writable(plan)
    return (["ro-root"] if read_only else []) + (["hidden-data"] if hidden else []) + memory


def supervise(config: dict, layers: list[str]) -> None:
    """The supervisor, once prepared: private scratch, run the program, report. Never returns."""
    report: dict = {"layers": list(layers)}
    try:
        with open(os.path.join(config["workdir"], "main.py"), "rb") as handle:
            source = handle.read()
        if "mntns" in config["namespaces"]:
            private_scratch(config, source)
            report["layers"].append("private-tmp")
        if config["uid"] is not None:
            report["layers"].append("uid")
        if "userns" in config["namespaces"]:
            report["layers"].append("no-caps")
        report["layers"] += ["no-new-privs", "rlimits"]
        if config.get("entry_point") is None:
            pid = start_program(config, source)
        else:
            pid = check_program(config, source, report)
        _release_stdio()
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # a same-uid program (user ns) may not ptrace us
        report["program"] = wait_for(pid, config["deadline"])
        if "pidns" not in config["namespaces"]:
            kill_descendants()
    except OSError as error:
        report.update(_failure(error))
    _report_and_exit(config, report)  # as init, our exit kills what the program left behind


def _failure(error: OSError) -> dict:
    return {"error": str(error), "retryable": error.errno in (errno.EAGAIN, errno.ENOMEM)}


def _report_and_exit(config: dict, report: dict) -> None:
    os.write(config["report_fd"], to_json(report).encode())
    os._exit(0)


def _release_stdio() -> None:
    """Let go of the program's stdin/stdout/stderr: the harness sees EOF as soon as the
    program's processes are gone, without waiting for us to be scheduled once more."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def lead(plan: dict, receive: Callable[[], dict]) -> None:
    """The leader: enter the namespaces, fork the supervisor, wait for it. Never returns.
    `receive()` gives the run's config (and installs its stdio), now or when a request comes."""
    try:
        enter_namespaces(plan["namespaces"])
        supervisor = os.fork()
    except OSError as error:
        _report_and_exit(receive(), _failure(error))
    if supervisor == 0:
        try:
            layers, failure = prepare(plan), None
        except OSError as error:
            layers, failure = [], _failure(error)
        config = receive()
        if failure:
            _report_and_exit(config, failure)
        supervise(config, layers)
    _release_stdio()
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])  # report fd, request socket
    while True:
        try:
            os.waitpid(supervisor, 0)
            break
        except InterruptedError:
            continue
    os._exit(0)


def share_network_namespace(plan: dict) -> dict:
    """As root, enter one fresh network namespace here, for every sandbox this server
    prepares, instead of one each: a network namespace costs about 1 ms of CPU to create and
    more to tear down, as much as the rest of a run. Its loopback stays down, so a program
    still has no network at all; programs running at the same time could reach each other
    through abstract Unix sockets, which carries nothing they do not already have (no
    sandbox holds its checks). Returns the plan the leaders then follow. In a user namespace
    (not root) each sandbox keeps a network namespace of its own."""
    names = list(plan["namespaces"])
    if "netns" not in names or "userns" in names:
        return plan
    _check(_libc.unshare(CLONE_FLAGS["netns"]), "unshare netns")
    return {**plan, "namespaces": [name for name in names if name != "netns"]}


def serve(fd: int, plan: dict, spares: int) -> None:
    """Fork server: a warm interpreter that keeps `spares` sandboxes prepared ahead of time
    (leader forked, namespaces entered, /proc and the read-only tree in place) and hands each
    request to one of them, so a run's critical path is a few process switches, not an
    interpreter start. Exits when the harness closes its end (also when it dies: no
    PR_SET_PDEATHSIG, which fires when the starting *thread* exits)."""
    import gc
    import socket

    server = socket.socket(fileno=fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps our leaders
    # Imported once here rather than in every sandbox: what checked runs need (json, fcntl),
    # and typing, which nearly every program imports and a checked run's checks import too.
    import fcntl  # noqa: F401
    import typing  # noqa: F401

    _calls()
    plan = share_network_namespace(plan)
    gc.freeze()  # keep the warm heap shared with the children
    armed: list = []  # (leader pid, socket to its waiting supervisor)

    def arm() -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            for other in [server, ours, *(sock for _, sock in armed)]:
                other.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.setsid()
            lead(plan, lambda: _receive_request(theirs))
        theirs.close()
        armed.append((pid, ours))

    while True:
        while len(armed) < spares:
            arm()  # after the reply to the last request: off its critical path
        try:
            message, fds, _, _ = socket.recv_fds(server, 1 << 18, 5)
        except OSError:
            break
        if not message:
            break
        pid = 0  # the harness reads 0 as "could not start"
        for _ in range(2):  # a spare that died meanwhile is replaced once
            if not armed:
                arm()
            leader, sandbox = armed.pop(0)
            try:
                socket.send_fds(sandbox, [message], fds)
                pid = leader
                break
            except OSError:
                continue
            finally:
                sandbox.close()
        for source in fds:
            os.close(source)
        server.sendall(str(pid).encode())
    for _, sandbox in armed:
        sandbox.close()  # the prepared supervisors see EOF and exit
    try:
        os.wait()  # with SIGCHLD ignored: returns once every leader is gone (ECHILD)
    except ChildProcessError:
        pass
    os._exit(0)


def _receive_request(sandbox: socket.socket) -> dict:
    """In a prepared supervisor: wait for the run (config + stdin, stdout, stderr, report,
    and for a checked run its checks)."""
    import socket

    message, fds, _, _ = socket.recv_fds(sandbox, 1 << 18, 5)
    if not message:
        os._exit(0)  # the fork server is gone
    sandbox.close()
    for target, source in enumerate(fds[:3]):
        os.dup2(source, target)
        os.close(source)
    config = marshal.loads(bytes.fromhex(message.decode()))
    config["report_fd"] = fds[3]
    if len(fds) > 4:  # a checked run's checks, read only once its program is forked
        config["checks_fd"] = fds[4]
    return config


def probe(names: list[str]) -> int:
    """0 if a leader could enter these namespaces and its supervisor mount a fresh /proc."""
    try:
        enter_namespaces(names)
        child = os.fork()
    except OSError:
        return 1
    if child == 0:
        try:
            if "mntns" in names and "pidns" in names:
                _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        except OSError:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    return 0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 1


# ---------------------------------------------------------------- report encoding


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


def main(argv: list[str]) -> None:
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "run":
        config = marshal.loads(bytes.fromhex(argv[2]))
        os.set_inheritable(config["report_fd"], False)
        lead(config, lambda: config)
    elif mode == "serve":
        python_paths()  # resolved once here, inherited by every sandbox it forks
        serve(int(argv[2]), marshal.loads(bytes.fromhex(argv[3])), int(argv[4]))
    elif mode == "probe":
        sys.exit(probe(argv[2:]))
    sys.exit(f"usage: {argv[0]} run CONFIG | serve FD PLAN N | probe NAMESPACE...")


if __name__ == "__main__":
    main(sys.argv)
