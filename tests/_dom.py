"""A tiny HTML tree for tests (stdlib html.parser): find elements by tag, id, class or attributes, and read
their text."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None = None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    def __getitem__(self, key: str) -> str:
        value = self.attrs[key]
        return "" if value is None else value

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def has_attr(self, key: str) -> bool:
        return key in self.attrs

    @property
    def string(self) -> str:
        return "".join(c for c in self.children if isinstance(c, str))

    def get_text(self, sep: str = "", strip: bool = False) -> str:
        parts: list[str] = []
        for c in self.children:
            if isinstance(c, str):
                parts.append(c.strip() if strip else c)
            else:
                parts.append(c.get_text(sep, strip))
        if strip:
            return sep.join(p for p in parts if p).strip()
        return sep.join(parts)

    def _matches(self, tag: str | list[str] | None, attrs: dict[str, Any]) -> bool:
        if tag is not None:
            tags = [tag] if isinstance(tag, str) else tag
            if self.tag not in tags:
                return False
        for key, want in attrs.items():
            if key == "class_":
                if want not in (self.attrs.get("class") or "").split():
                    return False
            elif want is True:
                if key not in self.attrs:
                    return False
            elif self.attrs.get(key) != want:
                return False
        return True

    def find_all(
        self, tag: str | list[str] | None = None, attrs: dict[str, Any] | None = None, **kw: Any
    ) -> list[Node]:
        want = {**(attrs or {}), **kw}
        out: list[Node] = []
        for c in self.children:
            if isinstance(c, Node):
                if c._matches(tag, want):
                    out.append(c)
                out.extend(c.find_all(tag, want))
        return out

    def find(self, tag: str | list[str] | None = None, attrs: dict[str, Any] | None = None, **kw: Any) -> Any:
        found = self.find_all(tag, attrs, **kw)
        return found[0] if found else None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.find(name)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("[document]", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str | bytes) -> Node:
    builder = _Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    return builder.root


def table_rows(table: Node) -> list[list[str]]:
    """The rows of a table as lists of cell texts (whitespace collapsed)."""
    return [
        [" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])] for tr in table.find_all("tr")
    ]


# Reading tables out of a page (by id, with captions) --------------------------------------------------------


class _Tables(HTMLParser):
    """Collects every <table id=…> as rows of cell texts (th and td alike, whitespace collapsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.captions: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "caption" and self._table:
            self._caption = []
        elif tag == "tr" and self._table:
            self._row = []
            self.tables[self._table].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "caption" and self._caption is not None and self._table:
            self.captions[self._table] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag == "table":
            self._table = self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def page_tables(response) -> _Tables:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser


def table(response, table_id: str) -> list[list[str]]:
    tables = page_tables(response).tables
    assert table_id in tables, f"no table #{table_id} in the page (found {sorted(tables)})"
    return tables[table_id]
