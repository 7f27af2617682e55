"""Where Hearth keeps its files: platformdirs locations, overridable for tests and portables.

Hearth's own files hold private text (settings that name servers and custom sensitive terms,
conversations, the audit log), so on POSIX its folders are 0700 and its files 0600 whatever
the umask; an existing, looser one is tightened when Hearth next opens it. On Windows the
folders under the user's profile already inherit an ACL that only the user (and
administrators) can read, so nothing is changed there.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "Hearth"
CONFIG_DIR_ENV = "HEARTH_CONFIG_DIR"
DATA_DIR_ENV = "HEARTH_DATA_DIR"
POLICY_FILE_ENV = "HEARTH_POLICY_FILE"
POLICY_FILE_NAME = "policy.toml"

PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_POSIX = os.name == "posix"


def config_dir() -> Path:
    """The folder of ``settings.toml`` (``$HEARTH_CONFIG_DIR`` wins over the OS default)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, False))


def data_dir() -> Path:
    """The folder of the database, logs and models (``$HEARTH_DATA_DIR`` wins)."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))


def policy_file() -> Path:
    """The organisation's managed policy (``$HEARTH_POLICY_FILE`` wins over the OS default).

    Outside the user's folders on purpose: only an administrator can write it.
    """
    override = os.environ.get(POLICY_FILE_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        root = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(root) / APP_NAME / POLICY_FILE_NAME
    if sys.platform == "darwin":
        return Path("/Library/Application Support") / APP_NAME / POLICY_FILE_NAME
    return Path("/etc/hearth") / POLICY_FILE_NAME


def private_folder(folder: Path) -> Path:
    """Create ``folder`` (and its parents) if missing and make it 0700; returns it.

    Parents created here get the usual mode: they are the user's (``~/.config``), not ours.
    Raises ``OSError`` when the folder cannot be created.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER_MODE)
    restrict(folder, PRIVATE_FOLDER_MODE)
    return folder


def restrict(path: Path, mode: int = PRIVATE_FILE_MODE) -> None:
    """Take away the group's and others' access to ``path`` if it has any (POSIX only).

    A missing path, or one owned by someone else (chmod refused), is left as it is: the
    caller's own open or write then reports what is wrong.
    """
    if not _POSIX:
        return
    try:
        current = os.stat(path).st_mode & 0o777
        if current & ~mode:
            os.chmod(path, current & mode)
    except OSError:
        return


def open_private(path: Path, flags: int) -> int:
    """``os.open`` a file that is created 0600 and tightened if it already existed looser."""
    fd = os.open(path, flags | os.O_CREAT, PRIVATE_FILE_MODE)
    if _POSIX:
        current = os.fstat(fd).st_mode & 0o777
        if current & ~PRIVATE_FILE_MODE:
            with contextlib.suppress(OSError):  # someone else's file: used as it is
                os.fchmod(fd, current & PRIVATE_FILE_MODE)
    return fd


def create_private(path: Path, *companions: str) -> None:
    """Create ``path`` empty and 0600 if it is missing; otherwise tighten it and its
    companion files (``path`` + each suffix, e.g. SQLite's ``-wal`` and ``-shm``).

    A file that cannot be created is left to the caller's own open, which says why.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        for candidate in (path, *(path.with_name(path.name + c) for c in companions)):
            restrict(candidate)
    except OSError:
        return


BUNDLE_DEFAULTS = "hearth-defaults.toml"


def bundle_dir() -> Path | None:
    """The folder a packaged (PyInstaller) build unpacks its data files to; None from source."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))


def bundle_defaults_file() -> Path | None:
    """Defaults a packaged build ships (offline mode on, an embedded model), if there are any."""
    folder = bundle_dir()
    if folder is None:
        return None
    candidate = folder / BUNDLE_DEFAULTS
    return candidate if candidate.is_file() else None
