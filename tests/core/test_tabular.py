"""core.tabular: a file in, rows or problems named by file, line and column out; and the Italian numbers."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from decimetro.core.tabular import (
    UTF8_ONLY,
    Problem,
    TableError,
    decode,
    line_of_byte,
    parse_decimal,
    read_table,
    sniff_delimiter,
)


def refused(data: bytes, **options) -> TableError:
    with pytest.raises(TableError) as exc:
        read_table(data, **{"name": "dati.csv", **options})
    return exc.value


def only_problem(data: bytes, **options) -> str:
    error = refused(data, **options)
    assert len(error.problems) == 1, error.problems
    return str(error.problems[0])


# Delimiter and lines ---------------------------------------------------------------------------------------


def test_sniff_delimiter_prefers_semicolons_only_when_more():
    assert sniff_delimiter("codice;titolo;anno_da") == ";"
    assert sniff_delimiter("codice,titolo,anno_da") == ","
    assert sniff_delimiter("codice;titolo,anno_da") == ","  # a tie keeps the comma
    assert sniff_delimiter("indicatore;nota, con virgola;valore") == ";"
    assert sniff_delimiter("") == ","
    assert sniff_delimiter("a\tb\tc", ("\t", ",")) == "\t"


def test_line_of_byte_counts_from_one():
    data = b"a,b\n1,2\n3,\xff\n"
    assert line_of_byte(data, 0) == 1
    assert line_of_byte(data, data.index(b"1")) == 2
    assert line_of_byte(data, data.index(b"\xff")) == 3


# Encodings -------------------------------------------------------------------------------------------------


def test_utf8_with_and_without_bom():
    for data in ("Codice,Titolo\nA,Città\n".encode(), "\ufeffCodice,Titolo\nA,Città\n".encode()):
        table = read_table(data, name="dati.csv")
        assert table.header == ["codice", "titolo"]  # the BOM is not part of the first column's name
        assert (table.encoding, table.rows[0]["titolo"]) == ("utf-8", "Città")


def test_excel_csv_from_italian_windows_is_windows_1252_with_semicolons():
    data = "Codice;Titolo;Importo\r\nA;Città più verde \u2013 “bis”;1.234,50 €\r\n".encode("cp1252")
    table = read_table(data, name="dati.csv")
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.rows[0].values == {
        "codice": "A",
        "titolo": "Città più verde \u2013 “bis”",
        "importo": "1.234,50 €",
    }
    assert table.rows[0].line == 2


def test_latin1_is_read_too():
    assert read_table("a,b\nx,perché\n".encode("latin-1"), name="f").rows[0]["b"] == "perché"
    # 0x81 is undefined in Windows-1252: only Latin-1 reads it
    table = read_table(b"a,b\nx,caf\xe9\x81\n", name="f")
    assert (table.encoding, table.rows[0]["b"]) == ("latin-1", "café\x81")


def test_damaged_utf8_is_refused_at_its_line_not_garbled():
    data = "a,b\nx,città\ny,più\n".encode() + "z,perché\n".encode("cp1252")
    error = refused(data)
    position = data.index(b"\xe9") + 1
    assert (
        str(error) == f"dati.csv, riga 4: codifica non valida: il file deve essere in UTF-8 (byte {position})"
    )
    assert (error.problems[0].line, error.problems[0].column) == (4, "")


def test_a_bom_means_utf8():
    error = refused(b"\xef\xbb\xbfa,b\nx,caf\xe9\n")
    assert error.problems[0].line == 2


def test_utf8_only_refuses_windows_1252():
    with pytest.raises(TableError, match=r"^f\.csv, riga 2: codifica non valida"):
        decode("a\ncittà\n".encode("cp1252"), name="f.csv", encodings=UTF8_ONLY)
    assert decode(b"a\n", name="f.csv", encodings=UTF8_ONLY).text == "a\n"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"a,b\n1,2\n3,\x00\n", 3),
        ("a,b\n1,2\n".encode("utf-16"), 1),  # Excel's "Unicode text"
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(range(256)) * 4, 1),  # an .xlsx (a zip)
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\x00", 4),
    ],
)
def test_binary_files_are_refused_naming_the_line(data, line):
    assert only_problem(data) == f"riga {line}: il file non è un file di testo (contiene byte nulli)"


# Shape and limits ------------------------------------------------------------------------------------------


def test_rows_have_their_physical_line_and_blank_rows_are_skipped():
    data = b'a,b\r\n1,"due\r\nrighe"\r\n\r\n , \r\n3,4\r\n'
    table = read_table(data, name="f")
    assert [(r.line, r.values) for r in table.rows] == [
        (3, {"a": "1", "b": "due\r\nrighe"}),
        (6, {"a": "3", "b": "4"}),
    ]
    assert table.rows[0]["non_esiste"] == ""  # an optional column the file does not have


def test_wrong_delimiter_in_the_header_names_the_missing_columns():
    error = refused(b"indicatore\tdata\tvalore\nMI-1\t2025-03-31\t1\n", required=("indicatore", "data"))
    assert [(p.line, p.column) for p in error.problems] == [(1, "indicatore, data")]
    assert "trovate: indicatore\tdata\tvalore" in error.problems[0].message


def test_wrong_delimiter_in_the_rows_is_a_problem_per_row():
    table = read_table(b"a;b;c\n1,2,3\n4;5;6\n", name="f")
    assert [str(p) for p in table.problems] == [
        "riga 2: la riga ha 1 campi invece di 3 (separatore sbagliato?)"
    ]
    assert [r.line for r in table.rows] == [3]


def test_short_rows_are_padded_only_when_asked():
    assert [str(p) for p in read_table(b"a,b,c\n1,2\n3,4,5\n", name="f").problems] == [
        "riga 2: la riga ha 2 campi invece di 3 (separatore sbagliato?)"
    ]
    table = read_table(b"a,b,c\n1,2\n", name="f", pad_short_rows=True)
    assert (table.problems, table.rows[0].values) == ([], {"a": "1", "b": "2", "c": ""})


def test_oversize_file_is_refused_whole_and_a_stream_is_read_no_further():
    data = b"a,b\n" + b"1,2\n" * 10
    assert only_problem(data, max_bytes=20) == f"file troppo grande ({len(data)} byte, massimo 20)"
    stream = io.BytesIO(data * 1000)
    assert str(refused(stream, max_bytes=20)) == "dati.csv: file troppo grande (21 byte, massimo 20)"
    assert stream.tell() == 21
    assert len(read_table(io.BytesIO(data), name="f", max_bytes=len(data)).rows) == 10


def test_too_many_rows_names_the_first_row_over():
    data = b"a\n1\n\n2\n3\n4\n"
    assert (
        only_problem(data, max_rows=2) == "riga 5: troppe righe (massimo 2)"
    )  # the blank line 3 does not count
    assert len(read_table(data, name="f", max_rows=4).rows) == 4


def test_missing_and_unknown_columns_are_named_together():
    error = refused(
        b" Codice ,COLORE,,titolo\nA,b,,c\n", required=("codice", "anno"), allowed=("codice", "titolo")
    )
    assert [str(p) for p in error.problems] == [
        "riga 1, colonna «anno»: colonne obbligatorie mancanti nell'intestazione (attese: codice, anno; "
        "separatore «,» o «;»; trovate: codice, colore, , titolo)",
        # (a blank name is no column)
        "riga 1, colonna «colore»: colonne sconosciute nell'intestazione: colore",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "file vuoto"),
        (b" \r\n\n", "file vuoto"),
        (b"a,b\n", "nessuna riga di dati dopo l'intestazione"),
        (b"a,b\n,\n \n", "nessuna riga di dati dopo l'intestazione"),
    ],
)
def test_empty_files_are_refused(data, expected):
    assert only_problem(data) == expected


def test_strict_refuses_bad_quotes_and_names_the_line():
    data = b'a,b\n1,2\n3,"x"y\n'
    assert read_table(data, name="f").rows[1]["b"] == "xy"
    assert only_problem(data, strict=True) == "riga 3: CSV non valido: ',' expected after '\"'"


def test_a_huge_field_is_a_csv_problem_not_a_crash():
    data = b"a,b\n1," + b"x" * 200_000 + b"\n"
    assert only_problem(data).startswith("riga 2: CSV non valido: field larger than field limit")


def test_each_caller_words_its_problems():
    messages = {"missing_columns": "Mancano le colonne: %(missing)s.", "too_big": "Il file supera 1 MB."}
    assert (
        only_problem(b"a\n1\n", required=("b",), messages=messages)
        == "riga 1, colonna «b»: Mancano le colonne: b."
    )
    assert only_problem(b"a\n1\n", max_bytes=2, messages=messages) == "Il file supera 1 MB."
    with pytest.raises(AssertionError, match="unknown kinds"):
        read_table(b"a\n1\n", name="f", messages={"too_large": "x"})


def test_problem_and_error_wording():
    assert str(Problem(4, "valore", "numero non valido")) == "riga 4, colonna «valore»: numero non valido"
    assert str(Problem(4, "", "riga vuota")) == "riga 4: riga vuota"
    assert str(Problem(0, "", "file vuoto")) == "file vuoto"
    problems = [Problem(0, "", "a"), *(Problem(n, "c", "b") for n in range(2, 8))]
    assert str(TableError("f.csv", problems)) == (
        "f.csv: a; f.csv, riga 2, colonna «c»: b; f.csv, riga 3, colonna «c»: b; "
        "f.csv, riga 4, colonna «c»: b; f.csv, riga 5, colonna «c»: b … (+2)"
    )
    assert str(TableError("", [Problem(2, "", "x")])) == "riga 2: x"


# Numbers ---------------------------------------------------------------------------------------------------

# Each caller's options: a PNRR amount (`amount_it`), a PNRR quantity (`number`), an indicator value in a
# `;` file, an amount typed in a filter form.
AMOUNT_IT = {"thousands_dots": True, "strict": True, "max_places": 2, "places": 2}
QUANTITY: dict[str, object] = {}
VALUE_SEMICOLON = {"max_places": 4}
VALUE_COMMA = {"decimal_comma": False, "max_places": 4}
TYPED = {"thousands_dots": True, "ignore": " €"}


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("900000000,00", AMOUNT_IT, "900000000.00"),
        (" 80.000.000,00 ", AMOUNT_IT, "80000000.00"),
        ("1.000.000", AMOUNT_IT, "1000000.00"),
        ("42576.5", AMOUNT_IT, "42576.50"),
        ("-1.234,5", AMOUNT_IT, "-1234.50"),
        ("9,00,00", AMOUNT_IT, None),
        ("1.00.000", AMOUNT_IT, None),
        ("1000.000,00", AMOUNT_IT, None),
        ("1,234", AMOUNT_IT, None),  # three decimals
        ("1.234", AMOUNT_IT, None),  # a lone dot is a decimal mark: three decimals
        ("1e5", AMOUNT_IT, None),
        ("+5", AMOUNT_IT, None),
        ("12,5", QUANTITY, "12.5"),
        ("12.5", QUANTITY, "12.5"),
        ("1e3", QUANTITY, "1E+3"),
        ("1.000,5", QUANTITY, None),  # no thousands here
        ("NaN", QUANTITY, None),
        ("Infinity", QUANTITY, None),
        ("12,5", VALUE_SEMICOLON, "12.5"),
        ("0.1234", VALUE_SEMICOLON, "0.1234"),
        ("0.12345", VALUE_SEMICOLON, None),
        ("12,5", VALUE_COMMA, None),  # in a ","-separated file a comma is no decimal mark
        ("12.5", VALUE_COMMA, "12.5"),
        ("1.500.000,50", TYPED, "1500000.50"),
        ("1 500 000 €", TYPED, "1500000"),
        ("€ 1.500,5", TYPED, "1500.5"),
        ("1500000.5", TYPED, "1500000.5"),
        ("1.500", TYPED, "1.500"),
        ("1.500.000", TYPED, "1500000"),
        ("tanti", TYPED, None),
        ("", TYPED, None),
        (" ", QUANTITY, None),
    ],
)
def test_parse_decimal_with_each_callers_options(text, options, expected):
    if expected is None:
        with pytest.raises(ValueError):
            parse_decimal(text, **options)
    else:
        result = parse_decimal(text, **options)
        assert (result, str(result)) == (Decimal(expected), expected)


# Former column names and templates -----------------------------------------------------------------------


def test_aliases_read_a_former_column_name_under_its_new_name():
    table = read_table(
        b"Indicatore;data\nMI-1;2025-01-31\n",
        name="v.csv",
        required=("codice_indicatore", "data"),
        aliases={"indicatore": "codice_indicatore"},
    )
    assert table.header == ["codice_indicatore", "data"]
    assert table.rows[0]["codice_indicatore"] == "MI-1"


def test_an_alias_beside_its_new_name_is_not_renamed():
    table = read_table(
        b"codice,codice_obiettivo\nA,B\n", name="d.csv", aliases={"codice": "codice_obiettivo"}
    )
    assert table.header == ["codice", "codice_obiettivo"]
    assert only_problem(
        b"codice,codice_obiettivo\nA,B\n",
        name="d.csv",
        allowed=("codice_obiettivo",),
        aliases={"codice": "codice_obiettivo"},
    ).endswith("colonne sconosciute nell'intestazione: codice")
