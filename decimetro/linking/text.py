"""Text preparation for the component classifier. Pure: no database, no Django, no scikit-learn.

The same functions build the features at training time and at inference time, so the artefact (vocabulary,
idf, coefficients) needs no code from the training run.

Label leakage: many PNRR texts spell their own label ("M5C3", "M2C4I2.1", "INVESTIMENTO 1.2", "Missione 5
Componente 3", the "1.4.4" prefix of the PA digitale titles, `c_f065` codes of the comuni). A classifier fed
those learns to read codes, not words, and its in-domain score means nothing for a staff note or a tender.
`strip_leakage` removes them before anything else.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator

MAX_ANALYSED_CHARS = 5000  # longer texts are cut: the milestone descriptions are the longest (~3,000)

_LEAKAGE_PATTERNS = (
    # PNRR codes: M1C1, M5 C3, M2C4I2.1, M1C1I1.02.00, M1C1-12 (milestone), M1C1R1.9
    r"\bM\s?\d{1,2}\s?C\s?\d{1,2}(?:\s?[-\u2013]\s?\d+|\s?[IR]\s?\d+(?:\.\d+)*)?",
    # "Missione 5", "Componente 3", "Investimento 1.2", "Riforma 3.1", "Misura 2.1.3",
    # "Sub-investimento 1.3.1", "Sub-misura 2", "Linea di intervento 1.1": the word and its number
    r"\b(?:missione|componente|sub[\s-]?investimento|investimento|riforma|sub[\s-]?misura|misura"
    r"|linea\s+di\s+(?:intervento|investimento)|intervento)\s*(?:n\.?\s*)?\d+(?:\.\d+)*(?:\s?[a-z]\b)?",
    # the mission alone: "M1", "M6"
    r"\bM\s?[1-7]\b",
    # dotted measure numbers, also glued to the next word as in "1.4.4c_i959Comune", "1.2icvc…"
    r"\d+(?:\.\d+)+",
    # codes of the public bodies in the PA digitale titles: c_f065, istsc_fgee00800r, p_re
    r"(?<![A-Za-z])(?-i:[a-z]{1,8}_[a-z0-9]{1,16})",
)
LEAKAGE_RE = re.compile("|".join(f"(?:{p})" for p in _LEAKAGE_PATTERNS), re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W\d_]{2,}")


def strip_leakage(text: str) -> str:
    """The text with every PNRR code that names its own label replaced by a space."""
    return LEAKAGE_RE.sub(" ", text)


def _fold(text: str) -> str:
    """Lower case, accents removed (`università` and the source's broken `UNIVERSIT` meet halfway)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The words the model sees: leakage stripped, folded, letters only (numbers and codes dropped)."""
    return _WORD_RE.findall(_fold(strip_leakage(text[:MAX_ANALYSED_CHARS])))


def dedup_key(text: str) -> str:
    """Two texts with the same key are the same text for training and evaluation."""
    return " ".join(words(text))


def word_features(tokens: list[str]) -> Iterator[str]:
    """Unigrams and bigrams. (Snowball stems as extra features were measured in issue 18: no gain, twice the
    training time; see CLASSIFIER.md.)"""
    yield from tokens
    for a, b in itertools.pairwise(tokens):
        yield f"{a} {b}"


def char_features(tokens: list[str], low: int = 3, high: int = 5) -> Iterator[str]:
    """Character n-grams inside word boundaries (as scikit-learn's `char_wb`), each word padded by spaces."""
    for token in tokens:
        padded = f" {token} "
        size = len(padded)
        for n in range(low, high + 1):
            if n > size:
                break
            for i in range(size - n + 1):
                yield padded[i : i + n]


def analyse(text: str) -> tuple[list[str], list[str]]:
    """(word features, char features) of a text."""
    tokens = words(text)
    return list(word_features(tokens)), list(char_features(tokens))
