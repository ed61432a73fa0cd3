"""The one way text becomes search terms, for the documents and for the queries alike (pure: no Django).

Lower case, accents folded (città → citta), split on anything that is not a letter or a digit, Italian stop
words and one-character pieces dropped, each word cut to its Italian Snowball stem (scuola and scuole →
"scuol", biblioteca and biblioteche → "bibliotec"); a word with a digit (a code: M1, 015146, a CUP) is kept
whole. The same function on both sides is what makes singular, plural and accents find the same things.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# A query longer than this is cut (a search box, not a document): any input stays cheap.
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 8
MIN_QUERY_CHARS = 2

_WORD = re.compile(r"[^\W_]+")
_SPACES = re.compile(r"\s+")
# Combining marks (the accents NFKD separates from their letters).
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# Italian articles, prepositions and conjunctions: in a query they would only narrow the results.
_STOP_WORDS_TEXT = """
a ad al allo ai agli all alla alle anche c che chi ci come con col coi d da dal dallo dai dagli dall dalla
dalle degli dei del dell della delle dello di e ed gli i il in l la le lo ma ne negli nei nel nell nella
nelle nello non o od per piu quale quali se si su sul sull sulla sulle sullo sui sugli tra fra un una uno
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_stemmer = snowballstemmer.stemmer("italian")


def fold(text: str) -> str:
    """Lower case without accents, spaces collapsed: the form of a title compared for an exact match."""
    lowered = text.casefold()
    if not lowered.isascii():
        lowered = _MARKS.sub("", unicodedata.normalize("NFKD", lowered))
    return _SPACES.sub(" ", lowered).strip()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one folded word (memoised: a national index has far fewer distinct words than words)."""
    if any(ch.isdigit() for ch in word):
        return word
    return str(_stemmer.stemWord(word))


def words(text: str) -> list[str]:
    """The folded words of `text` that carry meaning (no stop words, no single characters)."""
    return [w for w in _WORD.findall(fold(text)) if len(w) > 1 and w not in STOP_WORDS]


def terms(text: str) -> str:
    """`text` as the stemmed terms stored in the index, separated by spaces."""
    return " ".join(stem(w) for w in words(text))


def query_terms(query: str) -> list[str]:
    """The distinct stems of a query (at most MAX_QUERY_TERMS, from a query cut to MAX_QUERY_CHARS)."""
    seen: dict[str, None] = {}
    for w in words(query[:MAX_QUERY_CHARS]):
        seen.setdefault(stem(w), None)
    return list(seen)[:MAX_QUERY_TERMS]
