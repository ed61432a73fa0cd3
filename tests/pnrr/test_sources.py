"""The pure parsers: every file kind is recognised and parsed; bad files and bad rows are reported
precisely."""

from __future__ import annotations

import gzip
from datetime import date
from decimal import Decimal

import pytest

from decimetro.pnrr.importing import read_file
from decimetro.pnrr.sources import BadFile, RowError, common
from decimetro.pnrr.sources.payments import AMOUNT_COLUMNS, AMOUNT_FIELDS, MeasurePaymentRow, PaymentRow
from tests.pnrr.conftest import (
    FRAME,
    LOMBARDIA,
    MEASURE_PAYMENTS,
    MILESTONES,
    PAYMENTS,
    PLACES,
    PROJECTS,
    UNIVERSE,
    edited,
    read_rows,
    write_rows,
)


def parsed(path):
    items = list(read_file(path).rows())
    return [i for i in items if not isinstance(i, RowError)], [i for i in items if isinstance(i, RowError)]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (PROJECTS, "progetti"),
        (PLACES, "localizzazioni_validate"),
        (UNIVERSE, "localizzazioni_universo"),
        (PAYMENTS, "pagamenti"),
        (FRAME, "quadro_finanziario"),
        (MILESTONES, "milestone_target"),
        (LOMBARDIA, "lombardia_localizzati"),
    ],
)
def test_each_file_kind_is_recognised_and_parses_without_errors(path, kind):
    source = read_file(path)
    rows, errors = parsed(path)
    assert source.kind == kind
    assert errors == []
    assert len(rows) == len(read_rows(path)[1])


def test_project_row_has_typed_values_from_the_source():
    header, raw = read_rows(PROJECTS)
    rows, _ = parsed(PROJECTS)
    first, col = raw[0], {n: i for i, n in enumerate(header)}
    row = rows[0]
    assert row.key == (
        first[col["CUP"]],
        first[col["Codice Locale Progetto"]],
        first[col["Codice Univoco Submisura"]],
    )
    assert row.amounts["fin_pnrr"] == Decimal(first[col["Finanziamento PNRR"]])
    assert row.texts["title"] == first[col["Titolo progetto"]]
    assert row.updated_on == date.fromisoformat(first[col["Data aggiornamento"]])
    assert len(row.body_fiscal_code) in {11, 16}  # numeric codes get their leading zeros back


def test_universe_keeps_national_and_region_wide_places():
    rows, _ = parsed(UNIVERSE)
    national = [r for r in rows if r.region_code == "0"]
    region_wide = [r for r in rows if r.region_code == "3" and not r.istat_code]
    assert national and all(r.region_name == "AMBITO NAZIONALE" and r.istat_code == "" for r in national)
    assert region_wide


def test_payment_rows_carry_every_amount_column_in_field_order():
    """`values` (what the import writes, in `AMOUNT_FIELDS` order) and `amounts` (by name) are the file's
    amount columns, each in its own place, for every row."""
    header, raw_rows = read_rows(PAYMENTS)
    rows, errors = parsed(PAYMENTS)
    assert errors == [] and len(rows) == len(raw_rows)
    assert tuple(AMOUNT_COLUMNS) == AMOUNT_FIELDS
    at = {name: i for i, name in enumerate(header)}
    nonzero = set()
    for row, raw in zip(rows, raw_rows, strict=True):
        expected = {
            f: Decimal(raw[at[col]]) if raw[at[col]].strip() else None for f, col in AMOUNT_COLUMNS.items()
        }
        assert row.amounts == expected
        assert row.values == tuple(expected[f] for f in AMOUNT_FIELDS)
        nonzero.update(f for f, v in expected.items() if v)
    assert len(nonzero) >= 4  # the extract has several distinct non-zero columns: a swap would show


def test_payment_rows_with_no_cup_are_measure_level_payments(tmp_path):
    header, project_rows = read_rows(PAYMENTS)
    _header, measure_rows = read_rows(MEASURE_PAYMENTS)
    path = write_rows(tmp_path / "pagamenti.csv", header, [*project_rows, *measure_rows])
    rows, errors = parsed(path)
    assert errors == []
    assert all(isinstance(r, PaymentRow) for r in rows[: len(project_rows)])
    measures = rows[len(project_rows) :]
    assert all(isinstance(r, MeasurePaymentRow) for r in measures)
    assert [(r.key[0], r.amounts["paid_total"]) for r in measures] == [
        ("M2C3I2.01.00", Decimal("13950000000.00")),
        ("M1C2I1.01.00", Decimal("13381000000.00")),
    ]
    assert measures[0].release_date == date(2025, 3, 31)
    assert measures[0].structure.derived_measure_code == "M2C3I2.01"


def test_payment_row_with_a_local_code_but_no_cup_is_still_an_error(tmp_path):
    bad = edited(PAYMENTS, tmp_path / "bad.csv.gz", 0, "cup", "")
    _rows, errors = parsed(bad)
    assert [(e.line, e.column, e.message) for e in errors] == [(2, "cup", "CUP mancante")]


def test_financial_frame_reads_comma_decimals_and_thousand_separators():
    header, raw = read_rows(FRAME)
    rows, _ = parsed(FRAME)
    col = header.index("importo_totale")
    dotted = next(i for i, r in enumerate(raw) if " " in r[col])
    assert raw[dotted][col].strip().count(".") >= 2  # e.g. " 80.000.000,00 "
    expected = Decimal(raw[dotted][col].strip().replace(".", "").replace(",", "."))
    assert rows[dotted].amount_total == expected
    assert rows[0].amount_total == Decimal(raw[0][col].replace(",", "."))


def test_milestone_rows_have_due_date_and_values():
    rows, _ = parsed(MILESTONES)
    assert {r.kind for r in rows} == {"Milestone", "Target"}
    assert all(r.quarter in {"Q1", "Q2", "Q3", "Q4"} and 2020 <= r.year <= 2026 for r in rows)
    assert any(r.target_value and r.target_value > 0 for r in rows)


@pytest.mark.parametrize(
    ("src", "column", "value", "message"),
    [
        (PROJECTS, "CUP", "J61F2200033", "CUP malformato"),
        (PROJECTS, "CUP", "", "CUP mancante"),
        (PROJECTS, "Finanziamento PNRR", "12,5x", "importo malformato"),
        (PROJECTS, "Data aggiornamento", "21/02/2023", "data malformata"),
        (PLACES, "COD_ISTAT_COMUNE", "15146", "codice ISTAT malformato"),
        (PAYMENTS, "pagamenti_totali", "mille", "importo malformato"),
        (FRAME, "importo_totale", "9,00,00", "importo malformato"),
    ],
)
def test_malformed_value_gives_row_error_with_line_and_column(tmp_path, src, column, value, message):
    name = "bad.csv.gz" if src.name.endswith(".gz") else "bad.csv"
    bad = edited(src, tmp_path / name, 2, column, value)
    rows, errors = parsed(bad)
    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (4, column)  # header is line 1, data row 2 is line 4
    assert message in errors[0].message
    assert len(rows) == len(read_rows(src)[1]) - 1


def test_unknown_header_is_a_bad_file_naming_the_missing_columns(tmp_path):
    header, rows = read_rows(PAYMENTS)
    header[header.index("cup")] = "codice_cup"
    path = write_rows(tmp_path / "strano.csv", header, rows)
    with pytest.raises(BadFile) as exc:
        read_file(path)
    assert "strano.csv, riga 1" in str(exc.value)
    assert "intestazione non riconosciuta" in str(exc.value) and "cup" in str(exc.value)


def test_wrong_delimiter_is_named(tmp_path):
    header, rows = read_rows(PLACES)
    path = write_rows(tmp_path / "punto_e_virgola.csv", header, rows, delimiter=";")
    with pytest.raises(BadFile, match=r"punto_e_virgola.csv, riga 1: delimitatore errato: il file usa «;»"):
        read_file(path)


def test_wrong_encoding_names_the_line(tmp_path):
    header, rows = read_rows(PAYMENTS)
    col = header.index("descrizione_submisura")
    rows[4][col] = "Università e città"
    path = write_rows(tmp_path / "latin1.csv", header, rows, encoding="latin-1")
    source = read_file(path)  # the header is plain ASCII: recognised
    with pytest.raises(BadFile, match=r"latin1.csv, riga 6: codifica errata: non è UTF-8"):
        list(source.rows())


def test_truncated_gzip_is_a_bad_file(tmp_path):
    data = PROJECTS.read_bytes()
    path = tmp_path / "troncato.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    source = read_file(path)
    with pytest.raises(BadFile, match=r"troncato.csv.gz, riga \d+: file gzip troncato o danneggiato"):
        list(source.rows())


def test_not_gzip_at_all_is_a_bad_file(tmp_path):
    path = tmp_path / "finto.csv.gz"
    path.write_bytes(b"CUP,altro\n")
    with pytest.raises(BadFile, match="gzip"):
        read_file(path)


def test_row_with_too_many_fields_is_a_row_error(tmp_path):
    path = tmp_path / "campi.csv"
    text = PLACES.read_text(encoding="utf-8").splitlines()
    text[3] += ",extra"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    _, errors = parsed(path)
    assert [(e.line, e.message.split(" (")[0]) for e in errors] == [(4, "numero di campi errato")]


def test_gzip_and_plain_csv_give_the_same_rows(tmp_path):
    header, rows = read_rows(PLACES)
    gz = write_rows(tmp_path / "places.csv.gz", header, rows)
    with gzip.open(gz) as f:
        assert f.read(3) == PLACES.read_bytes()[:3]
    assert parsed(gz)[0] == parsed(PLACES)[0]


@pytest.mark.parametrize(
    ("src", "column"),
    [
        (PROJECTS, "Finanziamento PNRR"),
        (PLACES, "COD_ISTAT_COMUNE"),
        (UNIVERSE, "Data di Estrazione"),
        (PAYMENTS, "cup"),
    ],
)
def test_columns_in_another_order_give_the_same_rows_and_name_the_bad_column(tmp_path, src, column):
    """The big files are read by the positions of their own header: any order of the columns is read alike,
    and a bad value is still reported by its column's name, with the row as read."""
    header, rows = read_rows(src)
    order = list(reversed(range(len(header))))
    shuffled = [[row[i] for i in order] for row in rows]
    shuffled[1][order.index(header.index(column))] = "x"
    path = write_rows(tmp_path / f"reordered{''.join(src.suffixes)}", [header[i] for i in order], shuffled)
    expected, _ = parsed(src)
    got, errors = parsed(path)
    assert [(e.line, e.column) for e in errors] == [(3, column)]
    assert errors[0].raw == {**dict(zip(header, rows[1], strict=True)), column: "x"}
    assert got == expected[:1] + expected[2:]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42576.00", "42576.00"),
        (" 42576.00 ", "42576.00"),
        ("-0.00", "-0.00"),
        ("00012.30", "12.30"),
        ("-3", "-3.00"),
        ("0.5", "0.50"),
        ("123456789012345678.99", "123456789012345678.99"),  # the longest of the quick path
        ("1234567890123456789.99", "1234567890123456789.99"),  # longer: the full parser, same result
        ("", None),
    ],
)
def test_an_amount_is_the_same_decimal_whichever_way_it_is_read(text, expected):
    """Amounts written with two decimals are read straight into a Decimal, the others by the full parser
    (rounded to the cent): both give the same value with the same two decimals."""
    value = common.amount({"x": text}, "x")
    assert (None if value is None else str(value)) == expected


@pytest.mark.parametrize("text", ["1.234", "1.2.3", "12,30", "1e3", "--1.00", "1.00-", "NaN"])
def test_a_malformed_amount_names_its_column(text):
    with pytest.raises(common.FieldError, match="importo malformato") as info:
        common.amount({"finanziamento_pnrr": text}, "finanziamento_pnrr")
    assert info.value.column == "finanziamento_pnrr"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("G17h03000130001", None),
        ("  G17H03000130001 ", None),
        ("", "CUP mancante"),
        ("G17H0300013000", "CUP malformato"),  # 14 characters
        ("G17H030001300011", "CUP malformato"),  # 16
        ("G17H0300013000È", "CUP malformato"),  # a letter, not an ASCII one
        ("G17H0300013000٣", "CUP malformato"),  # a digit, not an ASCII one
        ("G17H03000-30001", "CUP malformato"),
    ],
)
def test_a_cup_is_fifteen_ascii_letters_or_digits_upper_cased(text, message):
    if message is None:
        assert common.cup({"CUP": text}, "CUP") == "G17H03000130001"
    else:
        with pytest.raises(common.FieldError, match=message):
            common.cup({"CUP": text}, "CUP")


def test_a_large_file_is_read_whole_in_order_with_its_progress_reported(tmp_path):
    """Past 5,000 rows the reading reports the share read now and then, rising to 1; the rows are the same,
    in the same order, with or without a progress callback."""
    header, rows = read_rows(PAYMENTS)
    col = header.index("codice_locale_progetto")
    many = [
        [*r[:col], f"L{i}", *r[col + 1 :]]
        for i in range(12_001)
        for r in rows[i % len(rows) : i % len(rows) + 1]
    ]
    # Not gzipped: how much of a small compressed file the gzip reader has taken at a given row depends on
    # its buffers (Python 3.13's took this one whole before the first report)
    path = write_rows(tmp_path / "pagamenti.csv", header, many)
    seen: list[float] = []
    with_progress = list(read_file(path).rows(seen.append))
    assert with_progress == list(read_file(path).rows())
    assert [r.local_code for r in with_progress] == [f"L{i}" for i in range(12_001)]
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == 1.0 and 0 < seen[0] < 1
