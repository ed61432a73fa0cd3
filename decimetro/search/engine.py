"""Searching the index: the query's stems matched by the database's full-text engine (SQLite FTS5, PostgreSQL
`tsvector`), the hits ranked (exact title or code first, then the engine's relevance, the title's terms
weighing more than the rest) and grouped by kind with their counts; on PostgreSQL, a query that matches
nothing is tried again by trigram similarity of the titles (typos).

Hostile input cannot reach the engines' syntax: a query becomes stems of letters and digits only
(`search.text.query_terms`), each quoted (FTS5) or joined with `&` (tsquery); the text is cut to
MAX_QUERY_CHARS first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _

from decimetro.search.models import KIND_SPAN, KIND_WEIGHTS, Kind, SearchDocument, kind_base, kind_of_id
from decimetro.search.text import MAX_QUERY_CHARS, MIN_QUERY_CHARS, fold, query_terms

DEFAULT_LIMIT = 5
MAX_LIMIT = 50
# Trigram fallback (PostgreSQL): how alike a word of the title must be to the query (0..1).
TYPO_SIMILARITY = 0.5
TYPO_MIN_CHARS = 4  # shorter queries are like too many titles
TYPO_MAX_CHARS = 60  # longer ones are not a mistyped word


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: str
    title: str
    subtitle: str
    url: str
    exact: bool


@dataclass
class Group:
    kind: str
    count: int
    hits: list[Hit] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Kind(self.kind).label)


@dataclass
class Results:
    query: str
    groups: list[Group] = field(default_factory=list)
    message: str = ""  # why there is nothing to show (too short, no words, no results), in Italian
    fuzzy: bool = False  # found by similarity (a typo?), not by the words themselves

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)


class QueryProblem(ValueError):
    """The query cannot be searched (too short, no words): the message says what to type, in Italian."""


def check_query(query: str) -> list[str]:
    """The query's stems, or QueryProblem."""
    text = query.strip()
    if len(text) < MIN_QUERY_CHARS:
        raise QueryProblem(
            _("Scrivi almeno %(n)d caratteri: per esempio il nome di un comune, «scuola» o un codice CUP.")
            % {"n": MIN_QUERY_CHARS}
        )
    found = query_terms(text)
    if not found:
        raise QueryProblem(_("La ricerca non contiene parole o numeri da cercare: prova con altri termini."))
    return found


def search(query: str, *, kind: str | None = None, limit: int = DEFAULT_LIMIT) -> Results:
    """Hits for `query` grouped by kind (at most `limit` per kind, 1..MAX_LIMIT), only `kind` if given."""
    # Control characters (NUL among them: PostgreSQL refuses it in text) become spaces.
    query = "".join(ch if ch.isprintable() else " " for ch in query[:MAX_QUERY_CHARS])
    results = Results(query=query.strip())
    try:
        found = check_query(query)
    except QueryProblem as exc:
        results.message = str(exc)
        return results
    limit = max(1, min(limit, MAX_LIMIT))
    key = fold(query)
    groups = _full_text(found, key, kind, limit)
    if not groups and connection.vendor == "postgresql" and TYPO_MIN_CHARS <= len(key) <= TYPO_MAX_CHARS:
        groups = _similar(key, kind, limit)
        results.fuzzy = bool(groups)
    results.groups = _ordered(groups)
    if not results.groups:
        results.message = _("Nessun risultato per «%(q)s».") % {"q": results.query}
    return results


# A group with more hits than this is not ranked by relevance (that would score every hit): its first hits
# are those matching in the title, then the others, each in the kind's own order (ids: search.models).
RANKED_MAX = 1000


@dataclass(frozen=True)
class _Match:
    """The query in the engine's syntax: matching anywhere, and matching in the title only."""

    anywhere: str
    in_title: str


def _match(found: Sequence[str]) -> _Match:
    """Every stem must match (whole stems: prefixes of common stems would cost more than the 100 ms a search
    may take on national data, and the stems already join singular and plural)."""
    if connection.vendor == "postgresql":
        return _Match(" & ".join(found), " & ".join(f"{t}:A" for t in found))
    phrase = " ".join(f'"{t}"' for t in found)
    return _Match(phrase, f"title_terms : ({phrase})")


def _sql(kind_filter: bool) -> dict[str, str]:
    """The statements of this database: count per kind, ranked ids, ids in order (first `%s` the match)."""
    if connection.vendor == "postgresql":
        where = "vector @@ to_tsquery('simple', %s)" + (" AND id BETWEEN %s AND %s" if kind_filter else "")
        table = "SELECT {} FROM search_searchdocument WHERE " + where + " {}"  # noqa: S608 - constants
        rank = "ts_rank(vector, to_tsquery('simple', %s)) DESC"
    else:
        where = "search_fts MATCH %s" + (" AND rowid BETWEEN %s AND %s" if kind_filter else "")
        table = "SELECT {} FROM search_fts WHERE " + where + " {}"  # noqa: S608 - constants
        rank = "bm25(search_fts, 10.0, 1.0)"
    # Only constants are put together here: the query's words are always parameters.
    key = "kind" if connection.vendor == "postgresql" else f"rowid / {KIND_SPAN}"
    return {
        "count": table.format(f"{key}, count(*)", "GROUP BY 1"),
        "ranked": table.format("rowid" if key != "kind" else "id", f"ORDER BY {rank}, 1 LIMIT %s"),
        "ordered": table.format("rowid" if key != "kind" else "id", "ORDER BY 1 LIMIT %s"),
    }


def _range(kind: str) -> list[int]:
    base = kind_base(kind)
    return [base, base + KIND_SPAN - 1]


def _full_text(found: Sequence[str], key: str, kind: str | None, limit: int) -> list[Group]:
    match = _match(found)
    everywhere = _sql(kind_filter=bool(kind))
    per_kind = _sql(kind_filter=True)
    with connection.cursor() as cursor:
        cursor.execute(everywhere["count"], [match.anywhere, *(_range(kind) if kind else [])])
        counts = {_kind_label(k): int(n) for k, n in cursor.fetchall()}
        if not counts:
            return []
        # Exact titles and codes (two indexed lookups; an OR of both would scan the table on SQLite).
        by_title = SearchDocument.objects.filter(title_key=key).values_list("pk", "kind")
        by_code = SearchDocument.objects.filter(code_key=key).values_list("pk", "kind")
        first: dict[str, list[int]] = {}
        for pk, k in sorted(by_title.union(by_code)):
            if k in counts and len(first.get(k, [])) < limit:
                first.setdefault(k, []).append(pk)
        ids: dict[str, list[int]] = {}
        for k, n in counts.items():
            chosen = list(first.get(k, []))
            if n <= RANKED_MAX:
                cursor.execute(per_kind["ranked"], _ranked_params(match, k, limit))
                chosen += [pk for (pk,) in cursor.fetchall()]
            else:
                for expression in (match.in_title, match.anywhere):
                    if len(set(chosen)) >= limit:
                        break
                    cursor.execute(per_kind["ordered"], [expression, *_range(k), limit + len(chosen)])
                    chosen += [pk for (pk,) in cursor.fetchall()]
            ids[k] = list(dict.fromkeys(chosen))[:limit]
    docs = SearchDocument.objects.in_bulk([pk for pks in ids.values() for pk in pks])
    exact_ids = {pk for pks in first.values() for pk in pks}
    return [
        Group(kind=k, count=counts[k], hits=[_hit(docs[pk], pk in exact_ids) for pk in pks if pk in docs])
        for k, pks in ids.items()
    ]


def _kind_label(value: str | int) -> str:
    """The kind of a count row: its name (PostgreSQL) or the number of its id range (SQLite)."""
    return value if isinstance(value, str) else kind_of_id(int(value) * KIND_SPAN)


def _ranked_params(match: _Match, kind: str, limit: int) -> list[str | int]:
    if connection.vendor == "postgresql":
        return [match.anywhere, *_range(kind), match.anywhere, limit]
    return [match.anywhere, *_range(kind), limit]


def _hit(doc: SearchDocument, exact: bool) -> Hit:
    return Hit(doc.kind, doc.object_id, doc.title, doc.subtitle, doc.url, exact)


def _similar(key: str, kind: str | None, limit: int) -> list[Group]:
    """PostgreSQL only: titles with a word like the query (pg_trgm's word similarity, GIN-indexed)."""
    only_kind = " AND kind = %s" if kind else ""
    sql = (
        "SELECT id, total FROM ("  # noqa: S608 - constants; the query's text is a parameter
        " SELECT id, COUNT(*) OVER (PARTITION BY kind) AS total,"
        " ROW_NUMBER() OVER (PARTITION BY kind ORDER BY word_similarity(%s, title_key) DESC, id) AS n"
        " FROM search_searchdocument WHERE %s <%% title_key"
        + only_kind
        + ") AS ranked WHERE n <= %s ORDER BY id"
    )
    params: list[str | int] = [key, key, *([kind] if kind else []), limit]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(TYPO_SIMILARITY)]
        )
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    docs = SearchDocument.objects.in_bulk([pk for pk, _total in rows])
    groups: dict[str, Group] = {}
    for pk, total in rows:
        doc = docs[pk]
        groups.setdefault(doc.kind, Group(kind=doc.kind, count=int(total))).hits.append(_hit(doc, False))
    return list(groups.values())


def _ordered(groups: list[Group]) -> list[Group]:
    """Kinds with an exact title or code first, then by the kinds' weights."""
    return sorted(groups, key=lambda g: (not any(h.exact for h in g.hits), -KIND_WEIGHTS[g.kind]))
