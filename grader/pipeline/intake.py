"""Reading a submission: each student file opened once, without following links, size-checked first.

The grader often runs as root or as the TA, so an ordinary open of a student's `engine.py` would
read whatever it points at: the answer key, a classmate's folder, the course settings with the
hidden seed. Here the folder is opened with O_NOFOLLOW, each file relative to that folder's
descriptor with O_NOFOLLOW (a link is refused, not followed) and O_NONBLOCK (a FIFO cannot make
the open wait), fstat must say it is a regular file no larger than the cap, and it is read at most
once, up to the cap. What comes back is bytes and, per refused file, a message that names it:
the rest of the grader (hashing, the child's work folder) uses those bytes and never reopens.
"""
import dataclasses
import errno
import os
import stat

from grader.spec import PARTS

STUDENT_FILES = tuple(f"{part}.py" for part in PARTS)
DEFAULT_MAX_BYTES = 1 << 20  # grader.toml: [limits] file_kb


@dataclasses.dataclass(frozen=True)
class Submission:
    """The student files that were read (name -> bytes) and why any other was not (name -> message)."""

    folder: str
    files: dict
    problems: dict


_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)


def read_submission(folder, names=STUDENT_FILES, max_bytes=DEFAULT_MAX_BYTES):
    """The files `names` of `folder`, read safely (see the module's docstring); never raises for
    anything in the folder. A folder that cannot be opened gives every name the same problem."""
    folder = os.fspath(folder)
    try:
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        # O_DIRECTORY with O_NOFOLLOW says ENOTDIR for a link: lstat tells the two apart
        link = exc.errno == errno.ELOOP or (exc.errno == errno.ENOTDIR and os.path.islink(folder))
        what = ("is a link (links are not followed)" if link
                else "is not a folder" if exc.errno == errno.ENOTDIR else f"cannot be opened ({exc.strerror})")
        return Submission(folder, {}, {name: f"{name} not read: the submission folder {what}" for name in names})
    files, problems = {}, {}
    try:
        for name in names:
            data, problem = _read_one(dir_fd, name, folder, max_bytes)
            if problem:
                problems[name] = problem
            else:
                files[name] = data
    finally:
        os.close(dir_fd)
    return Submission(folder, files, problems)


def _read_one(dir_fd, name, folder, max_bytes):
    """(bytes, '') for a regular file within the cap, else (None, a message naming the file)."""
    try:
        fd = os.open(name, _FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return None, f"{name} not found in {folder}"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, f"{name} is a symbolic link: only regular files are graded (the link was not followed)"
        return None, f"{name} cannot be opened ({exc.strerror})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, f"{name} is not a regular file ({_kind(info.st_mode)}): only regular files are graded"
        if info.st_size > max_bytes:
            return None, f"{name} is too large ({_size(info.st_size)}; the limit is {_size(max_bytes)} per file)"
        chunks, total = [], 0
        while True:  # a file that grows while it is read is still cut at the cap
            chunk = os.read(fd, min(1 << 16, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                return None, f"{name} is too large (more than {_size(max_bytes)}, the limit per file)"
        return b"".join(chunks), ""
    except OSError as exc:
        return None, f"{name} cannot be read ({exc.strerror})"
    finally:
        os.close(fd)


def _kind(mode):
    for test, word in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return word
    return "not a plain file"


def _size(n):
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} KiB"
