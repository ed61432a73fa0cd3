"""The one way text becomes search terms (decimetro/search/text.py): pure, no database."""

import pytest

from decimetro.search.text import MAX_QUERY_TERMS, fold, query_terms, terms


@pytest.mark.parametrize(
    ("one", "other"),
    [("scuola", "scuole"), ("biblioteca", "biblioteche"), ("città", "citta"), ("Ospedale", "ospedali")],
)
def test_singular_plural_and_accents_give_the_same_terms(one, other):
    assert terms(one) == terms(other) != ""


def test_fold_lowers_and_drops_accents_keeping_other_alphabets():
    assert fold("  Perché   CITTÀ ") == "perche citta"
    assert fold("مدرسة") == "مدرسة"


def test_stop_words_and_single_characters_are_dropped():
    assert terms("la scuola di Rho e l'asilo") == terms("scuola Rho asilo")
    assert query_terms("di la e") == []


def test_codes_are_kept_whole():
    assert terms("M1.17") == "m1 17"
    assert terms("J11B21000000006") == "j11b21000000006"


def test_query_terms_are_only_letters_and_digits_whatever_the_input():
    hostile = 'NEAR("scuola" biblioteca) * -x OR ^uno AND : { } 🏫 مدرسة ' + "a" * 10_000
    found = query_terms(hostile)
    assert 0 < len(found) <= MAX_QUERY_TERMS
    assert all(t.isalnum() for t in found)
