"""Writing a file atomically: readers see the old content or the new, never a half-written file."""
import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path, data, mode=0o644):
    """Write `data` (str or bytes) to `path` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes 0600; these are ordinary files
        os.replace(tmp, path)
    except BaseException:  # Ctrl-C included, which can land after the rename: then tmp is gone
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
