"""The exception type of :mod:`tinynet.data`.

:class:`DataError` means "the data could not be obtained, or a file is not what
it must be": a missing or unreadable file, a malformed IDX file, a checksum that
differs from the official one, every source failing.  It subclasses
``RuntimeError`` because the cause lies in the environment (files, network),
not in the arguments; bad *arguments* (a negative ``validation``, an unknown
dataset name) raise the usual ``ValueError`` / ``TypeError``.

Messages always name the file or source involved, what was expected and what
was found.
"""


class DataError(RuntimeError):
    """A data set could not be obtained, or one of its files failed a check."""


class IndexUnavailable(DataError):
    """pip could not fetch the fallback wheel (no package index answered, no pip)."""


class ChecksumMismatch(DataError):
    """A file's MD5 differs from the official one; ``foreign`` names the data set it belongs to, if known."""

    def __init__(self, message, found, expected, foreign=None):
        super().__init__(message)
        self.found, self.expected, self.foreign = found, expected, foreign
