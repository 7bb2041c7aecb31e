"""All-or-nothing file writes, used by model saving (io.py) and the data cache.

Nothing tinynet writes is ever seen half-written: data goes to a temporary
file *in the destination folder* (so the final rename stays on one file
system), is flushed and fsync'ed, and only then ``os.replace``'d onto the final
name, which is atomic on POSIX and Windows.  If anything fails or the process
is interrupted (KeyboardInterrupt included) the temporary file is removed and
the destination is untouched.

Limits: a hard crash (power loss, SIGKILL) can leave a stray ``.*.part`` file
in the destination folder; it is never mistaken for data because no reader
looks for that pattern.
"""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_file(path):
    """Yield a binary file open for writing; on clean exit it becomes ``path`` atomically."""
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".part")
    try:
        with os.fdopen(fd, "w+b") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        # mkstemp makes the file 0600; a cache is not a secret, keep it readable like any file.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:  # KeyboardInterrupt too: never leave the temporary file behind
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
