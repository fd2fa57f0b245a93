"""Decode a text file's bytes, naming the encoding it is really in when it is not the one
configured.

Clinic exports come in the encoding of the machine that wrote them: UTF-8 (with or without a
byte-order mark), UTF-16 ("Unicode text" from Excel), Windows-1252 / Latin-1.  Decoding with
the wrong one either fails or, worse, succeeds with the wrong letters (UTF-8 read as Latin-1
turns "é" into "Ã©").  :func:`decode_text` detects both and says which setting reads the
file; it never switches encoding silently.
"""

from __future__ import annotations

import codecs
import re

from netsurv.schema.problems import Problems

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def decode_text(
    raw: bytes, *, codec: str, encoding: str, table: str, file: str, problems: Problems
) -> str | None:
    """The text of a file's bytes, decoded with ``codec``.

    A UTF-8 byte-order mark is dropped.  Bytes that are not in ``codec`` are reported (rule
    ``encoding``, naming the encoding found and the setting that reads it) and the text is
    decoded as found, so that the file's other problems can be reported too; NUL bytes in a
    file that is not UTF-16 are reported (rule ``nul_bytes``) and give ``None``.

    Parameters
    ----------
    raw
        The file's bytes.
    codec, encoding
        The codec's canonical name (:func:`codecs.lookup`) and the name the user gave.
    table, file
        Where problems are reported.
    problems
        The accumulator.

    Returns
    -------
    str or None

    Examples
    --------
    >>> p = Problems()
    >>> decode_text("lanréotide".encode("cp1252"), codec="utf-8", encoding="utf-8",
    ...             table="lines", file="lines.csv", problems=p)
    'lanréotide'
    >>> print(p.rows[0]["message"])
    file is not utf-8: byte 0xe9 on line 1 reads as 'lanréotide' in Windows-1252 (Latin-1); save it as 'CSV UTF-8' or set data.encoding = 'cp1252' (--encoding cp1252)
    """
    name = file

    def report(message: str, line: int | None = None) -> None:
        where = "" if line is None else f"line {line}"
        problems.add(table, "", where, "encoding", name, message, file=name)

    utf16 = _utf16(raw)
    if utf16 and not codec.startswith(("utf-16", "utf-32")):
        report(
            f"file is UTF-16 ({utf16[1]}), not {encoding}: save it as 'CSV UTF-8' or set "
            f"data.encoding = 'utf-16' (--encoding utf-16)"
        )
        return raw.decode(utf16[0], errors="replace")
    if b"\x00" in raw and not codec.startswith(("utf-16", "utf-32")):
        first = raw.index(b"\x00")
        count = raw.count(b"\x00")
        line = raw[:first].count(b"\n") + 1
        problems.add(
            table,
            "",
            f"line {line}",
            "nul_bytes",
            name,
            f"file holds {count} NUL byte(s), the first on line {line}: it is "
            "damaged or not a text file; export it again",
            file=name,
        )
        return None
    try:
        text = raw.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as exc:
        guess = "cp1252" if _decodes(raw, "cp1252") else "latin-1"
        line = raw[: exc.start].count(b"\n") + 1
        shown = _word(raw, exc.start).decode(guess, errors="replace")
        label = "Windows-1252 (Latin-1)" if guess == "cp1252" else "Latin-1"
        report(
            f"file is not {encoding}: byte 0x{raw[exc.start]:02x} on line {line} reads as "
            f"{shown!r} in {label}; save it as 'CSV UTF-8' or set data.encoding = '{guess}' "
            f"(--encoding {guess})",
            line,
        )
        return raw.decode(guess, errors="replace")
    if not codec.startswith("utf") and not raw.isascii() and _decodes(raw, "utf-8"):
        pos = _NON_ASCII.search(raw).start()  # type: ignore[union-attr]
        word = _word(raw, pos)
        line = raw[:pos].count(b"\n") + 1
        report(
            f"file is UTF-8 (line {line}: {word.decode('utf-8-sig', errors='replace')!r}) but the "
            f"encoding is set to {encoding!r}, which reads it as {word.decode(codec)!r}: set "
            "data.encoding = 'utf-8' (--encoding utf-8)",
            line,
        )
        return raw.decode("utf-8-sig")
    return text


def _utf16(raw: bytes) -> tuple[str, str] | None:
    """(codec, how it was recognised) when the bytes are UTF-16 text."""
    if raw.startswith(_UTF16_BOMS):
        return "utf-16", "it starts with a UTF-16 byte-order mark"
    head = raw[:200]
    if len(head) >= 4 and head[1::2].count(0) > 0.8 * len(head[1::2]) and head[0] != 0:
        return "utf-16-le", "every other byte is NUL"
    if len(head) >= 4 and head[0::2].count(0) > 0.8 * len(head[0::2]) and head[1] != 0:
        return "utf-16-be", "every other byte is NUL"
    return None


def _decodes(raw: bytes, codec: str) -> bool:
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _word(raw: bytes, pos: int) -> bytes:
    """The cell around byte ``pos`` (at most 40 bytes), to show in a message."""
    start = max(raw.rfind(c, max(0, pos - 40), pos) for c in (b",", b";", b"\t", b"\n")) + 1
    ends = [e for c in (b",", b";", b"\t", b"\r", b"\n") if (e := raw.find(c, pos, pos + 40)) >= 0]
    return raw[start : min(ends, default=min(len(raw), pos + 40))]
