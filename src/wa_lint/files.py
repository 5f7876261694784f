"""Reading and writing files that a hostile repository may have planted.

Every read of a file wa-lint did not write goes through `read_regular`: the file is opened without
blocking (a FIFO would otherwise wait forever for a writer), checked to be a regular file on the open
descriptor (a symlink to `/dev/zero` is a device, not a file), and read no further than a limit. Paths
that come from templates are checked by `path_problem` before any system call sees them, so a part over
the file system's limits or a NUL byte is a note, never an `OSError` or `ValueError` out of `stat`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from wa_lint import inputs

# POSIX's NAME_MAX and PATH_MAX on Linux; macOS allows 255 and 1,024. A longer name fails in the kernel.
NAME_MAX = 255
PATH_MAX = 4096


# How a note about a read the operating system refused begins (a full file table, an I/O error, a
# permission): the next run may read the file, so a result holding one is not kept (wa_lint/inputs.py).
CANNOT_READ = "cannot read ("
CANNOT_LIST = "cannot list this folder ("


class FileSkip(Exception):
    """A file that was not read; the message says why, for a note (`skipped: <message>`)."""


def path_problem(path: str | os.PathLike[str]) -> str | None:
    """Why the file system cannot hold this path (None: it can), without asking the file system."""
    text = os.fspath(path)
    if "\0" in text:
        return "it contains a NUL character"
    encoded = text.encode("utf-8", "surrogateescape")
    if len(encoded) >= PATH_MAX:
        return f"it is {len(encoded):,} bytes long, over the {PATH_MAX:,}-byte limit for a path"
    # A path no longer than a name has no part too long (nearly every path: one length test).
    if len(encoded) > NAME_MAX and any(len(part) > NAME_MAX for part in encoded.split(b"/")):
        return f"a part of it is over the {NAME_MAX}-byte limit for a file name"
    return None


def read_regular(path: str | os.PathLike[str], limit: int, follow_symlinks: bool = True, record: bool = True) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; FileSkip for anything else.

    Never blocks on a FIFO or device, never reads more than `limit + 1` bytes. The path and what was
    read are noted in the inputs being recorded (wa_lint/inputs.py) unless `record` is False (the
    cache's own entries are not inputs of a run).
    """
    _usable(path)
    return _read_regular(path, limit, follow_symlinks, inputs.note if record else None)[0]


def read_cache_entry(path: str, limit: int, until: bytes | None = None) -> tuple[bytes, os.stat_result]:
    """A cache entry's bytes, as `read_regular` reads them without following a link or recording an
    input, and the entry's status when they were read; `until`: only as far as the first chunk that
    holds these bytes (or the end)."""
    _usable(path)
    return _read_regular(path, limit, False, None, until)


def _usable(path: str | os.PathLike[str]) -> None:
    problem = path_problem(path)
    if problem:
        raise FileSkip(f"not a usable path: {problem}")


def _read_regular(path: str | os.PathLike[str], limit: int, follow_symlinks: bool,
                  note: Callable[[str | os.PathLike[str], os.stat_result | None, bytes | None], None] | None,
                  until: bytes | None = None) -> tuple[bytes, os.stat_result]:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if note is not None:
            note(path, None, None)
        if not follow_symlinks and os.path.islink(path):
            raise FileSkip("a symbolic link; not followed") from None
        raise FileSkip(f"{CANNOT_READ}{error.strerror or error})") from None
    try:
        status = os.fstat(descriptor)
        if note is not None and (not stat.S_ISREG(status.st_mode) or status.st_size > limit):
            note(path, status, None)
        if not stat.S_ISREG(status.st_mode):
            raise FileSkip("not a regular file")
        if status.st_size > limit:
            raise FileSkip(f"{status.st_size:,} bytes is over the {limit:,}-byte limit")
        # A regular file never blocks; reading in chunks copes with one that grows while it is read.
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if until is not None and until in (chunks[-2][-len(until):] if len(chunks) > 1 else b"") + chunk:
                break
        if total > limit:
            raise FileSkip(f"over the {limit:,}-byte limit")
        content = b"".join(chunks)
        if note is not None:
            # The status taken before reading: a write after it shows as a new status next time.
            note(path, status, content)
        return content, status
    except OSError as error:
        raise FileSkip(f"{CANNOT_READ}{error.strerror or error})") from None
    finally:
        os.close(descriptor)


def is_dir(path: str | os.PathLike[str]) -> bool:
    """`Path.is_dir` that answers False, never raises, for a path the file system cannot hold; noted in
    the inputs being recorded, and answered from the status they hold."""
    return not path_problem(path) and inputs.is_folder_status(inputs.status(path))


def is_file(path: str | os.PathLike[str]) -> bool:
    """`Path.is_file` that answers False, never raises, for a path the file system cannot hold; noted in
    the inputs being recorded, and answered from the status they hold."""
    return not path_problem(path) and inputs.is_file_status(inputs.status(path))


def has_file_below(folder: Path, suffix: str) -> bool:
    """Whether an entry named `*suffix` is in `folder` or a folder below it (symlinked folders are not
    entered), as `next(folder.rglob("*" + suffix), None) is not None`; each folder listed is noted
    in the inputs being recorded."""
    stack = [os.fspath(folder)]
    while stack:
        current = stack.pop()
        inputs.note(current)
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.name.endswith(suffix):
                        return True
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                    except OSError:
                        continue
        except OSError:
            continue
    return False


def _umask() -> int:
    # Linux says it in /proc; elsewhere the only way to read it is to set it, so it is put back at once
    # (a file another thread creates in between would get 022).
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_report(path: Path, text: str) -> None:
    """Write a report or baseline the user named, keeping what the name is.

    A symlink is followed deliberately (the user named it; its target is written, the link stays a link),
    a FIFO, device or socket is written through (`-o /dev/stdout`, a named pipe), never replaced by a
    regular file; a regular file (or a new one) is written next to the target and renamed, so it is
    never left half-written. Raises OSError.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = 0
    if mode and not stat.S_ISREG(mode):
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        with open(target, "w", encoding="utf-8", errors="backslashreplace") as out:
            out.write(text)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only a run that writes a file (a report file, a fix) needs it

    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as out:
            out.write(text)
        # mkstemp creates 0600; a new report gets what `open` would have given it (0666 less the umask),
        # an existing one keeps its mode.
        os.chmod(temporary, stat.S_IMODE(mode) if mode else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
