"""The search API: the same index and ranking as the page /cerca/ (`decimetro.search`)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from decimetro.api.errors import responses
from decimetro.search.engine import DEFAULT_LIMIT, MAX_LIMIT, QueryProblem, check_query, search

router = Router()

KindParam = Literal["comune", "zone", "mission", "objective", "measure", "body", "consultation", "project"]


class HitOut(Schema):
    kind: str
    id: str
    title: str
    subtitle: str
    url: str
    exact: bool


class GroupOut(Schema):
    kind: str
    label: str
    count: int
    results: list[HitOut]


class SearchOut(Schema):
    query: str
    total: int
    fuzzy: bool
    groups: list[GroupOut]


@router.get(
    "",
    response=responses(SearchOut, 400, 422),
    summary="Cerca in comuni, zone, piano, misure, soggetti attuatori, progetti e consultazioni",
    description=(
        "`q`: il testo cercato (almeno 2 caratteri; oltre 200 è troncato); singolare e plurale, accenti e "
        "maiuscole non contano (radici italiane Snowball). Risultati raggruppati per tipo, con il numero "
        "totale di ciascun tipo (`count`) e al più `limit` risultati per tipo (1-50, predefinito 5): prima "
        "il titolo o il codice identico, poi per pertinenza (in un gruppo di oltre 1.000 risultati: prima "
        "quelli con le parole nel titolo, nell'ordine del tipo: i progetti per importo PNRR). `kind` "
        "limita a un tipo. Su PostgreSQL, se nessun titolo contiene le parole, i titoli simili "
        "(`fuzzy`: true). "
        "Testo troppo corto o senza parole: 400; `kind` o `limit` non validi: 422."
    ),
)
def search_all(
    request: HttpRequest,
    q: str,
    kind: KindParam | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),  # type: ignore[type-arg]
) -> SearchOut:
    try:
        check_query(q[:200])
    except QueryProblem as exc:
        raise HttpError(400, str(exc)) from None
    results = search(q, kind=kind, limit=limit)
    return SearchOut(
        query=results.query,
        total=results.total,
        fuzzy=results.fuzzy,
        groups=[
            GroupOut(
                kind=g.kind,
                label=g.label,
                count=g.count,
                results=[
                    HitOut(
                        kind=h.kind,
                        id=h.object_id,
                        title=h.title,
                        subtitle=h.subtitle,
                        url=h.url,
                        exact=h.exact,
                    )
                    for h in g.hits
                ],
            )
            for g in results.groups
        ],
    )
