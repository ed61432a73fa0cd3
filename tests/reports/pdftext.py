"""A small text extractor for the PDFs WeasyPrint writes (no PDF library is a dependency): inflates the
streams, reads each font's ToUnicode map and decodes the text-showing operators of every page's content, in
page order. Enough for assertions on words and figures; not a general PDF reader."""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def _objects(pdf: bytes) -> dict[int, bytes]:
    """Every object, those packed in object streams (`/Type /ObjStm`, PDF 1.5+) included."""
    objs = {int(m.group(1)): m.group(2) for m in _OBJ.finditer(pdf)}
    for body in list(objs.values()):
        if not re.search(rb"/Type\s*/ObjStm", body.split(b"stream", 1)[0]):
            continue
        head = body.split(b"stream", 1)[0]
        first = int(re.search(rb"/First\s+(\d+)", head).group(1))  # type: ignore[union-attr]
        data = _stream(body)
        numbers = [int(x) for x in data[:first].split()]
        pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
        for i, (num, offset) in enumerate(pairs):
            end = first + pairs[i + 1][1] if i + 1 < len(pairs) else len(data)
            objs[num] = data[first + offset : end]
    return objs


def _stream(body: bytes) -> bytes:
    m = _STREAM.search(body)
    if m is None:
        return b""
    data = m.group(1)
    if b"/FlateDecode" in body.split(b"stream", 1)[0]:
        try:
            return zlib.decompress(data)
        except zlib.error:
            return zlib.decompressobj().decompress(data)
    return data


def _cmap(data: bytes) -> dict[int, str]:
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be", "replace")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(dst, 16)
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(start + i)
    return out


def _ref_dict(body: bytes, name: bytes) -> dict[bytes, int]:
    """`/Name << /a 1 0 R /b 2 0 R >>` (inline) → {b"a": 1, b"b": 2}."""
    m = re.search(rb"/" + name + rb"\s*<<(.*?)>>", body, re.S)
    return {k: int(v) for k, v in re.findall(rb"/([\w.+-]+)\s+(\d+) 0 R", m.group(1))} if m else {}


def _resolve(objs: dict[int, bytes], body: bytes, name: bytes) -> dict[bytes, int]:
    direct = re.search(rb"/" + name + rb"\s+(\d+) 0 R", body)
    if direct:
        inner = objs.get(int(direct.group(1)), b"")
        return {k: int(v) for k, v in re.findall(rb"/([\w.+-]+)\s+(\d+) 0 R", inner)}
    return _ref_dict(body, name)


def _pages(objs: dict[int, bytes], root: int) -> list[int]:
    body = objs[root]
    if re.search(rb"/Type\s*/Page\b(?!s)", body):
        return [root]
    kids = re.search(rb"/Kids\s*\[(.*?)\]", body, re.S)
    pages: list[int] = []
    for ref in re.findall(rb"(\d+) 0 R", kids.group(1) if kids else b""):
        pages += _pages(objs, int(ref))
    return pages


def _decode(raw: bytes, cmap: dict[int, str]) -> str:
    return "".join(cmap.get(int.from_bytes(raw[i : i + 2], "big"), "") for i in range(0, len(raw) - 1, 2))


def _literal(s: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c == 0x5C and i + 1 < len(s):  # backslash escape
            n = s[i + 1]
            if 0x30 <= n <= 0x37:
                m = re.match(rb"[0-7]{1,3}", s[i + 1 :])
                assert m
                out.append(int(m.group(0), 8) & 0xFF)
                i += 1 + len(m.group(0))
                continue
            out.append({0x6E: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


_TOKENS = re.compile(
    rb"/([\w.+-]+)\s+[\d.]+\s+Tf"  # a font change
    rb"|<([0-9A-Fa-f]*)>"  # a hex string
    rb"|\(((?:\\.|[^\\)])*)\)"  # a literal string
    rb"|(TJ|Tj|T\*|Td|TD|ET|')",  # operators that end a run of text
    re.S,
)


def pdf_pages_text(pdf: bytes) -> list[str]:
    """The text of each page."""
    objs = _objects(pdf)
    root = int(re.search(rb"/Root\s+(\d+) 0 R", pdf).group(1))  # type: ignore[union-attr]
    pages_ref = int(re.search(rb"/Pages\s+(\d+) 0 R", objs[root]).group(1))  # type: ignore[union-attr]
    texts = []
    for page in _pages(objs, pages_ref):
        body = objs[page]
        res = body
        res_ref = re.search(rb"/Resources\s+(\d+) 0 R", body)
        if res_ref:
            res = objs[int(res_ref.group(1))]
        fonts = _resolve(objs, res, b"Font")
        cmaps = {}
        for name, ref in fonts.items():
            tu = re.search(rb"/ToUnicode\s+(\d+) 0 R", objs.get(ref, b""))
            cmaps[name] = _cmap(_stream(objs[int(tu.group(1))])) if tu else {}
        contents = re.search(rb"/Contents\s*(\[.*?\]|\d+ 0 R)", body, re.S)
        refs = [int(r) for r in re.findall(rb"(\d+) 0 R", contents.group(1))] if contents else []
        parts: list[str] = []
        cmap: dict[int, str] = {}
        for ref in refs:
            for m in _TOKENS.finditer(_stream(objs[ref])):
                font, hexs, lit, op = m.groups()
                if font is not None:
                    cmap = cmaps.get(font, {})
                elif hexs is not None:
                    parts.append(_decode(bytes.fromhex(hexs.decode()), cmap))
                elif lit is not None:
                    parts.append(_decode(_literal(lit), cmap))
                elif op in (b"T*", b"Td", b"TD", b"ET", b"'"):
                    parts.append("\n")
        texts.append("".join(parts))
    return texts


def pdf_text(pdf: bytes) -> str:
    """The text of the whole PDF, whitespace collapsed (a line break is a space)."""
    return " ".join(" ".join(pdf_pages_text(pdf)).split())
