"""Out-of-domain evaluation texts (issue 18): tender-like objects rewritten from held-out project titles.

Pure: no database, no Django, no scikit-learn. The objects of the tenders a comune publishes ("Lavori di messa
in sicurezza …", "Fornitura arredi per …", "Servizi di …") are short and technical, without the PNRR wording
of the projects' syntheses. `tender_object` rewrites one project field into that register with fixed rules (no
randomness, no model): it drops addresses, codes, numbers and legal forms, keeps at most 14 words and adds
the contract's opening ("Lavori di", "Fornitura di", "Servizi di", or "Affidamento di") of the first cue word.

`tender_set` applies it to the examples of a held-out split only and drops every rewrite whose normalised
text (`text.dedup_key`) equals a training text or one of its fields: no evaluation text can be learnt from
(tests/linking/test_ood.py checks the intersection is empty).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from decimetro.linking.text import dedup_key, strip_leakage

WORKS = (
    "lavori",
    "realizzazione",
    "costruzione",
    "ricostruzione",
    "riqualificazione",
    "ristrutturazione",
    "manutenzione",
    "messa in sicurezza",
    "efficientamento",
    "ampliamento",
    "demolizione",
    "adeguamento",
    "recupero",
    "restauro",
    "rifacimento",
    "consolidamento",
    "completamento",
    "sistemazione",
    "nuova",
    "nuovo",
    "opere",
    "intervento",
    "interventi",
)
SUPPLIES = ("fornitura", "acquisto", "acquisizione", "noleggio", "dotazione", "rinnovo", "sostituzione")
SERVICES = (
    "servizio",
    "servizi",
    "migrazione",
    "abilitazione",
    "attivazione",
    "implementazione",
    "formazione",
    "assistenza",
    "progettazione",
    "gestione",
    "sviluppo",
    "supporto",
    "percorsi",
    "percorso",
    "applicazione",
    "piattaforma",
    "adozione",
    "potenziamento",
    "digitalizzazione",
    "transizione",
    "partecipazione",
    "programma",
)
OPENINGS = (("Lavori di", WORKS), ("Fornitura di", SUPPLIES), ("Servizi di", SERVICES))
DEFAULT_OPENING = "Affidamento di"

_ADDRESS = re.compile(
    r"\b(?:via|viale|piazza|piazzale|corso|largo|vicolo|strada|localita|loc\.)\b[^,;*()\-]*", re.IGNORECASE
)
_LEGAL = re.compile(
    r"\b(?:s\.?p\.?a\.?|s\.?r\.?l\.?s?|s\.?n\.?c\.?|s\.?a\.?s\.?|scarl|onlus"
    r"|societa a responsabilita limitata|societa per azioni|pnrr|next\s*generation\s*eu|cup\b\s*\S*)",
    re.IGNORECASE,
)
_NOT_WORD = re.compile(r"[^\w'àèéìòù]+|[\d_]+")
_STOP_LEAD = {"da", "di", "del", "della", "dei", "delle", "per", "e", "il", "la", "lo", "le", "i", "gli"}
_STOP_LEAD |= {"a", "al"}
MAX_WORDS = 14


def object_fields(text: str) -> list[str]:
    """The fields a project text is made of: its title, then the fields of its synthesis (`*` separates them,
    also inside some titles)."""
    return [f.strip() for f in text.split("*") if f.strip()]


_CUES = [(re.compile(rf"\b{cue}\b"), opening) for opening, cues in OPENINGS for cue in cues]


def short_fields(text: str) -> list[str]:
    """The fields of a project text that name a work, a supply or a service (training augmentation: short
    texts like the objects of tenders, taken from training texts only)."""
    return [f for f in object_fields(text) if _opening(f) and len([w for w in f.split() if len(w) > 3]) >= 2]


def _opening(text: str) -> str | None:
    """The opening of the cue word found first in the text (None: no cue)."""
    found = [(m.start(), i) for i, (pattern, _) in enumerate(_CUES) if (m := pattern.search(text.lower()))]
    return _CUES[min(found)[1]][1] if found else None


def tender_object(title: str) -> str:
    """A tender-like object of a project title ("" when nothing content-like is left)."""
    cleaned = _LEGAL.sub(" ", _ADDRESS.sub(" ", strip_leakage(title)))
    tokens = [t for t in _NOT_WORD.split(cleaned.lower()) if len(t) > 1 or t in {"e", "a"}]
    while tokens and tokens[0] in _STOP_LEAD:
        tokens.pop(0)
    tokens = tokens[:MAX_WORDS]
    while tokens and tokens[-1] in _STOP_LEAD:
        tokens.pop()
    if len([t for t in tokens if len(t) > 3]) < 2:
        return ""
    body = " ".join(tokens)
    opening = _opening(body)
    if opening is None:
        return f"{DEFAULT_OPENING} {body}"
    if tokens[0] == opening.split()[0].lower():  # "lavori di …" already: not twice
        tokens = tokens[1:]
        while tokens and tokens[0] in _STOP_LEAD:
            tokens.pop(0)
    if len([t for t in tokens if len(t) > 3]) < 2:
        return ""
    return f"{opening} {' '.join(tokens)}".strip()


@dataclass(frozen=True, slots=True)
class OodText:
    text: str
    component: str
    measure: str
    source_key: str  # dedup key of the held-out example it was made from

    @property
    def mission(self) -> str:
        return self.component[:2]


class _Labelled(Protocol):  # training_data.Example (key, text, component, measure, sources)
    @property
    def key(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def component(self) -> str: ...
    @property
    def measure(self) -> str: ...
    @property
    def sources(self) -> frozenset[str]: ...


def tender_set(held_out: Iterable[_Labelled], training: Sequence[_Labelled]) -> list[OodText]:
    """Tender-like objects of the held-out projects, none equal (normalised) to a training text.

    The object comes from the first field of the project (title first, then the synthesis's fields) that
    names a work, a supply or a service (a cue word of `OPENINGS`) and is neither a training text nor a field
    of one (the measure names and the standard titles of a call sit in many syntheses): many titles of the
    source are only the beneficiary's name. Projects
    with no such field give no object. One object per distinct normalised text (the first in key order)."""
    banned = {ex.key for ex in training}
    banned |= {dedup_key(f) for ex in training for f in object_fields(ex.text)}
    out: dict[str, OodText] = {}
    for ex in sorted(held_out, key=lambda e: e.key):
        if "progetti" not in ex.sources:
            continue
        field = next((f for f in object_fields(ex.text) if _opening(f) and dedup_key(f) not in banned), None)
        if field is None:
            continue
        obj = tender_object(field)
        key = dedup_key(obj)
        if not obj or key in banned or key in out:
            continue
        out[key] = OodText(obj, ex.component, ex.measure, ex.key)
    return list(out.values())
