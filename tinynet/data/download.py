"""HTTP(S) downloads that fail fast when offline and show progress.

:func:`download` streams a URL into an open file.  It refuses more bytes
than the caller allows (a genuine file has a known maximum size) and raises
:class:`MirrorUnreachable` when the server cannot be reached at all (DNS
failure, refused or timed-out connection), so the caller can skip the other
files of that mirror instead of waiting again for each of them.

Why the timeouts: the connect timeout is short (3 s) so an offline machine
moves on to the next source within seconds.  urllib uses one socket timeout
for connecting and reading; once connected we raise it to a read timeout
(30 s) so a slow but working mirror is not abandoned mid-file.

The progress bar is tqdm's, on stderr, only when stderr is a terminal;
otherwise one plain line per file (logs and CI stay readable).

Proxies: urllib honours ``http_proxy`` / ``https_proxy`` / ``no_proxy``.
Limits: no resume of partial downloads (the files are at most 10 MB gzipped).
"""
import http.client
import socket
import sys
import urllib.error
import urllib.request

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 30.0
CHUNK = 1 << 16
USER_AGENT = "tinynet-data/1 (+python urllib)"


class MirrorUnreachable(OSError):
    """The server could not be reached at all (as opposed to a failed transfer)."""


def _urlopen(url, timeout):
    """Open ``url``; module-level so tests can replace it with a local fake."""
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    return urllib.request.urlopen(req, timeout=timeout)


def _set_read_timeout(response, seconds):
    """Best effort: lengthen the socket timeout of an open http.client response."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        try:
            sock.settimeout(seconds)
        except OSError:
            pass  # the default (the connect timeout) stays in force: still correct, only stricter


def _progress(total, label):
    """A tqdm bar when stderr is a terminal, else None (a plain line is printed instead)."""
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is a dependency, but a missing bar must not stop a download
        return None
    return tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024,
                file=sys.stderr, leave=False)


def download(url, out, max_bytes, connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
             label=None):
    """Stream ``url`` into the binary file ``out``; return the number of bytes written.

    Raises MirrorUnreachable when no connection could be made, OSError
    (urllib.error.HTTPError included) for a failed transfer, and ValueError
    when the server sends more than ``max_bytes``.
    """
    label = label or url.rsplit("/", 1)[-1]
    try:
        response = _urlopen(url, connect_timeout)
    except urllib.error.HTTPError:
        raise  # the server answered (404, 403...): the file is missing there, not the mirror
    except urllib.error.URLError as exc:
        raise MirrorUnreachable(f"{url}: cannot connect ({exc.reason})") from exc
    except (socket.timeout, ConnectionError) as exc:
        raise MirrorUnreachable(f"{url}: cannot connect ({exc})") from exc
    with response:
        _set_read_timeout(response, read_timeout)
        length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > max_bytes:
            raise ValueError(f"{url}: the server announces {total} bytes, more than the "
                             f"{max_bytes} a genuine file can have")
        bar = _progress(total, label)
        if bar is None:
            size = f" ({total / 2**20:.1f} MB)" if total else ""
            print(f"tinynet: downloading {url}{size}", file=sys.stderr, flush=True)
        written = 0
        try:
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                if written > max_bytes:
                    raise ValueError(f"{url}: more than {max_bytes} bytes received; "
                                     "a genuine file is smaller")
                out.write(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        except http.client.HTTPException as exc:  # IncompleteRead is not an OSError
            raise OSError(f"{url}: transfer failed ({type(exc).__name__}: {exc})") from exc
        finally:
            if bar is not None:
                bar.close()
        if total is not None and written != total:
            raise OSError(f"{url}: connection closed after {written} of {total} bytes")
    return written
