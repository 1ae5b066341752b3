"""Safety of an untrusted ``.qdpx`` archive: entry names, sizes, compression ratios, XML parsing.

See :func:`open_archive`.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from analysis.errors import AnalysisError

# Limits on untrusted archives.
MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 512 * 2**20      # unpacked, all entries
MAX_RATIO = 100                    # unpacked / packed, per large entry and for the whole archive
RATIO_FLOOR = 2**20                # entries (and archives) smaller than this may compress better


class Archive:
    """The checked entries of an untrusted zip, read only on demand and within limits."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> None:
        self.path = path
        self._zf = zf
        self._infos = infos  # casefolded name -> entry

    @property
    def names(self) -> list[str]:
        return sorted(info.filename for info in self._infos.values())

    def find(self, name: str) -> str | None:
        """The archive name matching ``name`` case-insensitively, with ``\\`` read as ``/``."""
        info = self._infos.get(name.replace("\\", "/").lstrip("/").casefold())
        return info.filename if info else None

    def read(self, name: str) -> bytes:
        """Read one entry, refusing more bytes than it declared."""
        info = self._infos[name.casefold()]
        try:
            with self._zf.open(info) as f:
                data = f.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise AnalysisError(f"damaged archive entry {name!r} ({exc})", path=self.path) from None
        if len(data) > info.file_size:
            raise AnalysisError(f"archive entry {name!r} unpacks to more than it declares", path=self.path)
        return data


def open_archive(path: str | Path) -> Archive:
    """Open a ``.qdpx`` and check every entry before anything is read.

    Refused: entries with absolute paths or ``..`` (path traversal), symbolic
    links, encrypted entries, more than ``MAX_ENTRIES`` entries, an unpacked
    size over ``MAX_TOTAL_BYTES``, or out of proportion to the packed size
    (over ``MAX_RATIO`` times, for entries or archives past ``RATIO_FLOOR``).

    Args:
        path: The archive file (untrusted).

    Returns:
        The checked entries, read on demand through :meth:`Archive.read`.

    Raises:
        AnalysisError: naming the archive and the entry.
    """
    path = Path(path)
    if not path.is_file():
        raise AnalysisError("file not found", path=path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise AnalysisError(f"not a REFI-QDA archive (a .qdpx is a zip file): {exc}", path=path) from None
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise AnalysisError(f"archive has {len(infos)} entries, more than {MAX_ENTRIES}", path=path)
    total, checked = 0, {}
    for info in infos:
        _check_entry(info, path)
        total += info.file_size
        if not info.is_dir():
            checked[info.filename.replace("\\", "/").casefold()] = info
    packed = max(path.stat().st_size, 1)
    if total > MAX_TOTAL_BYTES or (total > RATIO_FLOOR and total > MAX_RATIO * packed):
        raise AnalysisError(f"archive unpacks to {total} bytes from {packed}: out of proportion "
                            "(a zip bomb?)", path=path, hint="refused before unpacking anything")
    return Archive(path, zf, checked)


# --- reading the archive ------------------------------------------------------


def _check_entry(info: zipfile.ZipInfo, path: Path) -> None:
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise AnalysisError(f"archive entry {name!r} has an absolute path", path=path,
                            hint="refused: a project may only hold relative paths")
    if ".." in parts:
        raise AnalysisError(f"archive entry {name!r} climbs out of the archive (path traversal)", path=path,
                            hint="refused: a project may only hold paths inside it")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise AnalysisError(f"archive entry {name!r} is a symbolic link", path=path, hint="refused")
    if info.flag_bits & 0x1:
        raise AnalysisError(f"archive entry {name!r} is encrypted", path=path)
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise AnalysisError(f"archive entry {name!r} unpacks {info.file_size} bytes from {info.compress_size}: "
                            "out of proportion (a zip bomb?)", path=path, hint="refused before unpacking")


def _project_entry(archive: Archive, path: Path) -> str:
    """``project.qde`` at the root, else any single ``.qde`` (ATLAS.ti writes ``Project.qde``)."""
    found = archive.find("project.qde")
    if found:
        return found
    qde = [n for n in archive.names if n.lower().endswith(".qde")]
    if len(qde) == 1:
        return qde[0]
    raise AnalysisError("no project.qde in the archive" if not qde else f"several .qde files: {qde}", path=path,
                        hint="a REFI-QDA project archive holds one project.qde")


def _parse_xml(data: bytes, path: Path) -> ET.Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise AnalysisError(f"project XML refused: {type(exc).__name__} (DTDs and entities are not allowed)",
                            path=path, hint="refused: entity expansion and external entities are unsafe") from None
    except ET.ParseError as exc:
        raise AnalysisError(f"project XML is not well-formed: {exc}", path=path) from None
