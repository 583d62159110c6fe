"""What an uploaded file really is, decided from its bytes (never from its name or the client's claim).

The container's signature is read with `puremagic`; for the two containers that hold several kinds of
document the container is opened too: a ZIP is an Office Open XML document only if its
`[Content_Types].xml` declares the main part of one, and an OLE2 compound file is a Word or Excel 97–2003
file only if it holds that program's stream.
"""

from __future__ import annotations

import re
import zipfile
from typing import IO

import puremagic

# The family each accepted extension must be, and the content type a file of that family is served as.
FAMILY_OF_EXTENSION = {
    "pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "png": "png",
    "docx": "docx", "xlsx": "xlsx", "doc": "doc", "xls": "xls", "zip": "zip",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "zip": "application/zip",
}
# A family is also acceptable where a broader one is asked for: an Office document is a ZIP archive.
ALSO_ACCEPTED_AS = {"docx": {"zip"}, "xlsx": {"zip"}}

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PROGRAMS = (
    b"\x7fELF",  # Linux and other Unix
    b"MZ",  # Windows (PE) and DOS
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal (also Java classes)
    b"#!",  # scripts
)
_OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_OLE_STREAMS = {  # directory entry names are UTF-16LE
    "doc": ("WordDocument".encode("utf-16-le"),),
    "xls": ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le")),
}
_CONTENT_TYPES_LIMIT = 1024 * 1024
_MAGIC_MIME = {"application/pdf": "pdf", "image/jpeg": "jpeg", "image/png": "png"}


def _read_all(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    return data


def _ooxml_kind(stream: IO[bytes]) -> str:
    """'docx', 'xlsx' or plain 'zip' (any other valid archive); '' when the archive cannot be read."""
    try:
        with zipfile.ZipFile(stream) as archive:
            try:
                info = archive.getinfo("[Content_Types].xml")
            except KeyError:
                return "zip"
            if info.file_size > _CONTENT_TYPES_LIMIT:
                return "zip"
            declared = archive.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return ""
    finally:
        stream.seek(0)
    found = set(re.findall(r'ContentType\s*=\s*"([^"]+)"', declared))
    for kind, main in _OOXML_MAIN.items():
        if main in found:
            return kind
    return "zip"


def _ole_kind(data: bytes) -> str:
    for kind, names in _OLE_STREAMS.items():
        if any(name in data for name in names):
            return kind
    return "ole"


def _container(data: bytes) -> str:
    """The signature puremagic finds at the start: 'pdf', 'jpeg', 'png', 'zip', 'ole2' or ''."""
    try:
        matches = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        return ""
    for match in matches:  # best first
        if match.offset != 0:
            continue
        if match.mime_type in _MAGIC_MIME:
            return _MAGIC_MIME[match.mime_type]
        if match.byte_match.startswith(_ZIP):
            return "zip"
        if match.byte_match.startswith(_OLE2):
            return "ole2"
    return ""


def sniff(stream: IO[bytes]) -> str:
    """The family of the file's content: one of FAMILY_OF_EXTENSION's values, or 'program' (an
    executable or script), 'ole' (another compound file, e.g. an installer), or '' (not recognised).
    Leaves the stream at its start."""
    data = _read_all(stream)
    if not data:
        return ""
    if data.startswith(_PROGRAMS):
        return "program"
    container = _container(data)
    if container == "zip":
        return _ooxml_kind(stream)
    if container == "ole2":
        return _ole_kind(data)
    return container


def matches_extension(family: str, extension: str) -> bool:
    expected = FAMILY_OF_EXTENSION.get(extension.lower())
    if expected is None or not family:
        return False
    return family == expected or expected in ALSO_ACCEPTED_AS.get(family, set())


def content_type_of(family: str) -> str:
    return CONTENT_TYPES.get(family, "application/octet-stream")


_FAMILY_OF_TYPE = {content_type: family for family, content_type in CONTENT_TYPES.items()}


def served_content_type(stored_type: str | None, name: str) -> str:
    """The Content-Type a stored file is downloaded as: one of CONTENT_TYPES, and only when the family its
    content was found to be at upload (`stored_type`) is what the file's name says (pdf, docx, …);
    anything else — a row from before content sniffing, a type no upload can produce, a name without an
    accepted extension — goes out as application/octet-stream, never as text/html or the like."""
    from .names import extension_of

    family = _FAMILY_OF_TYPE.get((stored_type or "").strip().lower())
    if family is None or not matches_extension(family, extension_of(name)):
        return "application/octet-stream"
    return CONTENT_TYPES[family]
