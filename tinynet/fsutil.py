"""All-or-nothing file writes, used by model saving (io.py), the data cache and the experiments.

Nothing tinynet writes into its cache is ever seen half-written: data goes to a
temporary file *in the destination folder* (so the final rename stays on one
file system), is flushed and fsync'ed, and only then ``os.replace``'d onto the
final name, which is atomic on POSIX and Windows.  If anything fails or the
process is interrupted (KeyboardInterrupt included) the temporary file is
removed and the destination is untouched.

The temporary file is ``.<name>.<8 random characters>.part``.  A hard crash
(power loss, SIGKILL) can leave one behind; no reader looks for that pattern,
and the next write of the same ``<name>`` removes it (on POSIX: only temp
files no live writer holds locked, so two processes writing one target do
not delete each other's).  The replaced file keeps its permission bits; a new
file gets 0666 less the umask, like ``open``.  Writing to a symbolic link
writes the file it points to (the link stays), like ``open(link, "w")``.
"""
import contextlib
import os
import re
import secrets

try:
    import fcntl  # POSIX: a writer locks its temp file, so stale ones can be told apart
except ImportError:  # Windows
    fcntl = None


@contextlib.contextmanager
def atomic_file(path):
    """Yield a binary file open for writing; on clean exit it becomes ``path`` atomically."""
    path = os.fspath(path)
    if os.path.islink(path):
        path = os.path.realpath(path)  # write the link's target; the link stays
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    _remove_stale_temp_files(folder, os.path.basename(path))
    fd, tmp = _create_temp_file(folder, os.path.basename(path))
    try:
        with os.fdopen(fd, "w+b") as f:
            with contextlib.suppress(FileNotFoundError):
                mode = os.stat(path).st_mode & 0o7777
                if hasattr(os, "fchmod"):
                    os.fchmod(f.fileno(), mode)  # a 0600 file stays 0600
            yield f
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
            if fcntl is not None:
                os.replace(tmp, path)  # still locked: no cleaner can take tmp first
        if fcntl is None:
            os.replace(tmp, path)  # Windows cannot rename an open file
    except BaseException:  # KeyboardInterrupt too: never leave the temporary file behind
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _temp_name_pattern(name):
    # Exactly what _create_temp_file makes (and tempfile.mkstemp made before):
    # '.<name>.' + 8 characters + '.part'; '.<name>.backup.<8>.part' is not ours.
    return re.compile(re.escape("." + name + ".") + r"[a-z0-9_]{8}\.part")


def _create_temp_file(folder, name):
    """A new ``.<name>.<random>.part`` in ``folder``, opened and (on POSIX) locked.

    Created with mode 0666 so that the umask applies, as for any new file.
    """
    while True:
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A cleaner may have taken it between the open and the lock: check it is still ours.
        try:
            if os.stat(tmp).st_ino == os.fstat(fd).st_ino:
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)


def _remove_stale_temp_files(folder, name):
    """Delete temp files a crashed write of ``name`` left in ``folder`` (best effort).

    On POSIX a live writer holds a lock on its temp file, so only abandoned
    ones are removed; without locks (Windows) nothing is removed.
    """
    if fcntl is None:
        return
    pattern = _temp_name_pattern(name)
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry):
            continue
        stale = os.path.join(folder, entry)
        try:
            fd = os.open(stale, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(stale)  # unlocked: its writer is gone
        except OSError:
            pass  # locked by a live writer, or already gone
        finally:
            os.close(fd)
