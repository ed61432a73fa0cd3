"""API routes of the linking app (registered in decimetro/api/main.py)."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from decimetro.api.errors import responses
from decimetro.core.credits import CC_BY_4
from decimetro.linking.classifier import MAX_TEXT_CHARS, ModelError, classify_text
from decimetro.pnrr.credits import ITALIA_DOMANI

logger = logging.getLogger(__name__)
router = Router()


class ClassifyIn(Schema):
    text: str = Field(
        description=(
            f"Testo da classificare (nota, titolo e sintesi di un progetto, oggetto di un bando): non vuoto, "
            f"al massimo {MAX_TEXT_CHARS} caratteri. Oltre il limite, o se vuoto, la risposta è 422."
        ),
        examples=[
            "Riqualificazione energetica della scuola primaria e installazione di pannelli fotovoltaici"
        ],
        json_schema_extra={"minLength": 1, "maxLength": MAX_TEXT_CHARS},
    )

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("text_empty", "il testo è vuoto: scrivere il testo da classificare")
        if len(value) > MAX_TEXT_CHARS:
            raise PydanticCustomError(
                "text_too_long",
                "il testo è troppo lungo: {length} caratteri, al massimo {limit}",
                {"length": len(value), "limit": MAX_TEXT_CHARS},
            )
        return value


class ScoreOut(Schema):
    code: str
    score: float = Field(ge=0, le=1)


class ClassifyOut(Schema):
    mission: list[ScoreOut] = Field(description="Missioni PNRR (M1…M6), le 3 più probabili")
    component: list[ScoreOut] = Field(description="Componenti PNRR (M1C1…M6C2), le 3 più probabili")
    objectives: list[ScoreOut] = Field(
        description="Obiettivi del piano (es. M2.5), fino ai 3 migliori (vuoto se il piano non è caricato)"
    )
    model_version: str = Field(description="Versione del modello (prime 12 cifre della sua impronta SHA-256)")
    confidence: float = Field(
        ge=0,
        le=1,
        description="Probabilità calibrata della prima missione (calibrazione su un campione di validazione)",
    )
    abstain: bool = Field(
        description=(
            "«Non so»: vero se la confidenza è sotto la soglia scelta sul campione di validazione o se il "
            "testo non contiene parole note al modello; i suggerimenti restano, ma vanno presi con cautela"
        )
    )


@router.post(
    "/classify",
    response=responses(ClassifyOut, 400, 422, 503),
    summary="Classifica un testo: missione, componente PNRR e obiettivi del piano",
    description=(
        "Sola lettura: non scrive nulla. Punteggi in [0, 1], in ordine decrescente, 3 per elenco. "
        "Missione e componente vengono dal classificatore addestrato sui testi etichettati del PNRR "
        f"({ITALIA_DOMANI}, {CC_BY_4}); gli obiettivi combinano la componente prevista, la somiglianza "
        f"del testo e le corrispondenze misura-obiettivo. Testo vuoto o più lungo di {MAX_TEXT_CHARS} "
        "caratteri (o corpo senza `text`): 422. Corpo che non è JSON: 400. Nessun modello addestrato: 503."
    ),
)
def classify(request: HttpRequest, payload: ClassifyIn):
    try:
        result = classify_text(payload.text)
    except ModelError as exc:
        logger.warning("linking classify: %s", exc)
        return Status(
            503,
            {
                "detail": "Classificatore non disponibile: nessun modello addestrato utilizzabile "
                "(eseguire `manage.py linking_train`)."
            },
        )

    def scores(pairs: list[tuple[str, float]]) -> list[dict[str, object]]:
        return [{"code": code, "score": score} for code, score in pairs]

    return Status(
        200,
        {
            "mission": scores(result.mission),
            "component": scores(result.component),
            "objectives": scores(result.objectives),
            "model_version": result.model_version,
            "confidence": result.confidence,
            "abstain": result.abstain,
        },
    )
