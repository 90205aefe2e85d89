"""The forked core's template: one per submission, inside that submission's bubblewrap sandbox.

Started by the parent (grader/pipeline/fork_core.py) as `python -I -S child_template.py DISK SOCKET...`, one
socket per test id to run. It imports the standard library and the kit's child side
(grader/pipeline/child.py), never student code, and holds no case, no expected value, no hidden seed, no
reference piece and no student file: those reach each test's child on that child's own pipes.

At start it forks one waiting process per socket, in a fixed order, so that every run forks each
test id's process from the same state (what the forked child allocates, and with it the addresses
of the student's objects, repeats run to run). Each waiting process first joins the cgroups the
parent made for its test (memory and process count of that test alone), sent at the start, all
slots at once (or with its pipes, when they could not be made then). When the parent hands a
waiting process its pipes (events, cases, output), it

1. joins the test's cgroups, unless it did at the start;
2. enters a new user namespace (no capability in the sandbox's), and new PID, network, IPC, UTS
   and mount namespaces; mounts an empty read-only tmpfs on /proc (the sandbox's /proc would list
   and address the template and its other processes), a fresh size-limited tmpfs on /work and one
   on /grader/ref;
3. forks the namespace's init (PID 1: it reaps, and when it ends the kernel kills every process
   left in the namespace), which forks the test's child (PID 2);
   Before the fork, every capability is dropped and new namespaces and mounts are forbidden
   (seccomp), for the waiting process and all it forks;
4. the child moves its pipes to 3 and 4 and its output to 1 and 2, closes everything else, and only then reads its job and
   its cases as a fresh child would (child.serve): rlimits, Landlock and its own checks come there,
   all before the student's files are loaded.

When the test's init ends, the waiting process sends its status on its socket and exits; a byte
from the parent on the socket (a timeout) kills the test's namespace first.
"""
import ctypes
import functools
import os
import select
import socket
import struct
import sys

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
_CLONE_NEWUSER, _CLONE_NEWPID, _CLONE_NEWNET, _CLONE_NEWCGROUP = 0x10000000, 0x20000000, 0x40000000, 0x02000000
_NAMESPACES = _CLONE_NEWUSER | _CLONE_NEWPID | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS | _CLONE_NEWNS
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_SET_NO_NEW_PRIVS = 1, 4, 38
_PR_CAPBSET_DROP, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
REF_SIZE = 4 << 20  # the reference pieces' tmpfs: a few of micrograd_ref's files
NO_CGROUP = 87  # the waiting process's exit status when it cannot join its test's cgroups
NO_NAMESPACE = 88  # ... when it cannot make or set up the test's namespaces


def _check(result, what):
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")


def _write(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _mount_tmpfs(target, size, flags=_MS_NOSUID | _MS_NODEV, mode="0755"):
    _check(_libc.mount(b"tmpfs", target.encode(), b"tmpfs", ctypes.c_ulong(flags),
                       f"size={size},mode={mode}".encode()), f"mount {target}")


def enter_namespaces(disk):
    """This process into new user, PID, network, IPC, UTS and mount namespaces, with its own /proc
    (empty), /work (`disk` bytes) and /grader/ref; its uid and gid stay what they were."""
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(ctypes.c_int(_NAMESPACES)), "unshare")
    # a process that is not dumpable cannot write its own maps (its /proc files are root's): for
    # the moment it takes, in namespaces nothing else is in yet
    _check(_libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _check(_libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0), "dumpable")
    _mount_tmpfs("/work", disk)
    _mount_tmpfs("/grader/ref", REF_SIZE)
    _mount_tmpfs("/proc", 4096, _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "0555")


def drop_capabilities():
    """No capability left, in any set, and none to regain (no execution of a privileged file
    either: no_new_privs)."""
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    cap = 0
    while _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    _libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = struct.pack("=Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = ctypes.create_string_buffer(24)  # two of {effective, permitted, inheritable}, all zero
    _check(_libc.capset(ctypes.c_char_p(header), data), "capset")


# seccomp: the child makes no namespace and mounts nothing (bubblewrap's --disable-userns and
# --cap-drop do this in the fresh core; here the template needed namespaces for each test, so the
# filter comes per child). (audit arch, {name: number}).
_NS_ARCH = {
    "x86_64": (0xC000003E, {"unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
                            "clone": 56, "clone3": 435, "fsopen": 430, "fsmount": 432, "move_mount": 429,
                            "open_tree": 428, "mount_setattr": 442}),
    "aarch64": (0xC00000B7, {"unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41,
                             "clone": 220, "clone3": 435, "fsopen": 430, "fsmount": 432, "move_mount": 429,
                             "open_tree": 428, "mount_setattr": 442}),
}
_CLONE_FLAGS_NS = _NAMESPACES | _CLONE_NEWCGROUP | 0x00000080  # and CLONE_NEWTIME


@functools.cache  # made once, in the template (load_child): every child forked from it has it
def no_namespaces_program(machine):
    """The BPF program: new namespaces (unshare, setns, clone with a namespace flag) and mounts
    refused with EPERM; clone3, whose flags sit behind a pointer a filter cannot read, with ENOSYS
    (the C library then uses clone)."""
    arch, nr = _NS_ARCH[machine]
    ld, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06
    allow, eperm, enosys, kill = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38, 0x80000000
    refused = [nr[n] for n in ("unshare", "setns", "mount", "umount2", "pivot_root", "fsopen", "fsmount",
                                "move_mount", "open_tree", "mount_setattr")]
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, kill), (ld, 0, 0, 0)]
    # after the checks below: [clone? -> flags] ALLOW, EPERM, ENOSYS
    n = len(refused)
    for i, number in enumerate(refused):
        prog.append((jeq, n - i + 5, 0, number))  # to EPERM: past the other numbers and the six below
    prog.append((jeq, 0, 1, nr["clone3"]))
    prog.append((ret, 0, 0, enosys))
    prog.append((jeq, 0, 2, nr["clone"]))  # not clone: ALLOW
    prog.append((ld, 0, 0, 16))  # the low half of the first argument: clone's flags
    prog.append((jset, 1, 0, _CLONE_FLAGS_NS))
    prog += [(ret, 0, 0, allow), (ret, 0, 0, eperm)]
    return b"".join(struct.pack("=HBBI", *ins) for ins in prog)


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def no_namespaces():
    """Load no_namespaces_program for this machine (no_new_privs is already set)."""
    program = no_namespaces_program(os.uname().machine)
    buf = ctypes.create_string_buffer(program)
    fprog = _Fprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    _check(_libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")


def _status(wait_status):
    """An exit status as bubblewrap gives it: the code, or 128 + the signal that ended the process."""
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status)
    return os.WEXITSTATUS(wait_status)


def init(child):
    """PID 1 of the test's namespace: reap every process until `child` ends, then end with its status."""
    while True:
        try:
            pid, wait_status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(1)
        if pid == child:
            os._exit(_status(wait_status))


def test_child(events, cases, out, child):
    """PID 2: the test's child, from a clean start, then child.serve."""
    try:
        devnull = os.open("/dev/null", os.O_RDONLY)
        for src, dst in ((devnull, 0), (out, 1), (out, 2), (events, 100), (cases, 101)):
            os.dup2(src, dst)
        os.dup2(100, 3)
        os.dup2(101, 4)
        os.closerange(5, 1 << 20)
        os.chdir("/work")
        # as in a fresh child, the child's module is the main one (student code that patches
        # sys.modules["__main__"] patches the child's names, which its checks then find)
        sys.modules["__main__"] = child
        del sys.modules["child"]
    except BaseException:
        os._exit(NO_NAMESPACE)
    try:
        child.serve(3, 4)
    except BaseException:
        import traceback

        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def _fail(sock, code):
    """Tell the parent this test could not be set up (a negative status), and end."""
    try:
        sock.send(struct.pack("=i", -code))
    finally:
        os._exit(0)


def _join(cgroups):
    """This process into the cgroups whose cgroup.procs files are open as `cgroups`: False if it cannot."""
    try:
        for fd in cgroups:
            os.write(fd, b"0")  # "0": this process; what it forks is born there
            os.close(fd)
        return True
    except OSError:
        return False


def waiting(sock, disk, child):
    """One test id's waiting process: join its cgroups when the parent sends them first ("C", at the
    start), wait for its pipes ("G"), run the test, send its status. One byte per message: a message
    and the files it carries arrive together."""
    joined = True
    try:
        msg, fds, _, _ = socket.recv_fds(sock, 1, 8)
        if msg == b"C":
            joined = _join(fds)
            msg, fds, _, _ = socket.recv_fds(sock, 1, 8)
    except OSError:
        os._exit(0)
    if msg != b"G" or len(fds) < 3:
        os._exit(0)  # the parent gave up on this test
    events, cases, out, cgroups = fds[0], fds[1], fds[2], fds[3:]
    if not (joined and _join(cgroups)):
        _fail(sock, NO_CGROUP)
    try:
        enter_namespaces(disk)
        # from here on, no capability (this process only waits and kills) and no namespace or mount
        drop_capabilities()
        no_namespaces()
    except OSError:
        _fail(sock, NO_NAMESPACE)
    first = os.fork()  # PID 1 of the new namespace
    if first == 0:
        sock.close()
        _libc.prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)
        second = os.fork()
        if second == 0:
            test_child(events, cases, out, child)
        for fd in (events, cases, out):
            os.close(fd)
        init(second)
    for fd in (events, cases, out):
        os.close(fd)
    pidfd = os.pidfd_open(first)
    ready, _, _ = select.select([sock, pidfd], [], [])
    if pidfd not in ready:  # the parent's word (a timeout) or its end: the namespace goes
        os.kill(first, 9)
    _, wait_status = os.waitpid(first, 0)
    try:
        sock.send(struct.pack("=i", _status(wait_status)))
    except OSError:
        pass
    os._exit(0)


def load_child():
    """grader/pipeline/child.py as module `child`, its imports done (never its main)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("child", os.path.join(os.path.dirname(sys.argv[0]), "child.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["child"] = module
    spec.loader.exec_module(module)
    # what child.serve imports on its way, imported now, once for every test
    import ast, base64, resource, traceback  # noqa: E401,F401

    module.landlock_abi()
    no_namespaces_program(os.uname().machine)
    return module


FIRST_SOCKET = 3


def sockets_in_order(fds):
    """The sockets moved to 3, 4, ... in the order given, whatever numbers the parent's were, so
    that the template's state does not depend on them."""
    high = [_dup_high(fd) for fd in fds]
    for fd in fds:
        os.close(fd)
    for i, fd in enumerate(high):
        os.dup2(fd, FIRST_SOCKET + i)
        os.close(fd)
    return list(range(FIRST_SOCKET, FIRST_SOCKET + len(fds)))


def _dup_high(fd):
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD, 1000)


def main():
    disk, fds = int(sys.argv[1]), [int(fd) for fd in sys.argv[2:]]
    if fds and fds != list(range(FIRST_SOCKET, FIRST_SOCKET + len(fds))):
        fds = sockets_in_order(fds)
    for fd in fds:
        os.set_inheritable(fd, True)
    child = load_child()
    # address randomisation off and hash seed 0 for the template and so for every child forked from
    # it, as in a fresh child (usually so from the start: setarch -R and bubblewrap's environment)
    if child.needs_fixing():
        child.start_again([sys.argv[0], str(disk), *map(str, fds)])
    # nothing forked from here may be read or traced by a process of the same user without a
    # capability over this namespace (a test's child has none)
    _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    socks = [socket.socket(fileno=fd) for fd in fds]
    # what the template allocated is never collected in a child: the collector's passes over it
    # would write to (and so copy) every page of it, in every child
    import gc

    gc.freeze()
    pids = []
    for i, sock in enumerate(socks):
        pid = os.fork()
        if pid == 0:
            for j, other in enumerate(socks):
                if j != i:
                    other.close()
            waiting(sock, disk, child)
        pids.append(pid)
        sock.close()
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


if __name__ == "__main__":
    main()
