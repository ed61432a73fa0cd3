from decimetro.core.csv_input import line_of_byte, sniff_delimiter


def test_sniff_delimiter_prefers_semicolons_only_when_more():
    assert sniff_delimiter("codice;titolo;anno_da") == ";"
    assert sniff_delimiter("codice,titolo,anno_da") == ","
    assert sniff_delimiter("codice;titolo,anno_da") == ","  # a tie keeps the comma
    assert sniff_delimiter("indicatore;nota, con virgola;valore") == ";"
    assert sniff_delimiter("") == ","


def test_line_of_byte_counts_from_one():
    data = b"a,b\n1,2\n3,\xff\n"
    assert line_of_byte(data, 0) == 1
    assert line_of_byte(data, data.index(b"1")) == 2
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        assert line_of_byte(data, exc.start) == 3
    else:  # pragma: no cover
        raise AssertionError("the sample must not decode")
