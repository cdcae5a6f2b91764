"""Writing files so that no save is ever lost or left half-written.

Two writers, used by every part of the kit that saves a file (the explorer's scenario, ``kb memo
--out``, the review packet, the audit's witnesses):

* :func:`write_new` creates a file that must not exist yet. The text goes to a temporary file in
  the same folder, flushed to disk, which is then hard-linked to the final name: ``os.link``
  fails if the name exists, so of several processes saving to the same new path at once exactly
  one succeeds and the others get :class:`FileExistsError`, and a reader never sees half a file.
* :func:`write_replace` writes the temporary file and renames it over the final name
  (``os.replace``), so a failure leaves the old file whole.

Where hard links are not supported (some network or FAT file systems) :func:`write_new` falls
back to creating the file with ``O_EXCL``, which is still atomic about existence.
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

__all__ = ["write_new", "write_replace"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary(path: Path, text: str, mode: int) -> str:
    """A flushed temporary file holding ``text`` (UTF-8) in ``path``'s folder, with ``mode``."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    except OSError as exc:  # name the file asked for, not the temporary one
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_new(path, text: str) -> Path:
    """Create ``path`` holding ``text`` (UTF-8), only if nothing is there: atomically, so that
    when several writers race for the same new path exactly one succeeds and every other one gets
    :class:`FileExistsError`; the file is never seen half-written. Returns the path."""
    path = Path(path)
    tmp = _temporary(path, text, 0o666 & ~_umask())
    try:
        try:
            os.link(tmp, path)  # FileExistsError if the name is taken: never replaces a file
        except OSError as exc:
            if isinstance(exc, FileExistsError) or exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV,
                                                                     errno.EMLINK, errno.ENOSYS):
                raise
            # no hard links on this file system: create with O_EXCL (atomic about existence)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(text)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def write_replace(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path``, replacing any file there: through a temporary file
    renamed over it, so a failed write leaves the old file whole. An existing file keeps its
    permissions. Returns the path."""
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    tmp = _temporary(path, text, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
