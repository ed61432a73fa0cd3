"""The rows of the project tables (`public/pnrr/_project_rows.html`: the project list, a measure's and an
implementing body's projects), written in Python in one pass.

As a template loop they were half of the uncached list's CPU time: some 160 variable lookups, 4 `floatformat`,
5 `{% url %}` and a `blocktranslate` per row. Here each URL is one `reverse` per table (a prefix and a suffix
around the escaped value), the fixed words are translated once per table, and the amounts go through
`decimal_text`, which writes exactly what `floatformat` writes (tests compare them value by value and compare
whole tables with the former template, in both languages)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, getcontext
from html import escape
from typing import Any, NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import get_format, localize
from django.utils.safestring import SafeString
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import gettext, ngettext

from decimetro.insights.lists import ProjectProgress

# The characters `reverse` leaves unquoted in a path argument (django.urls.resolvers.URLResolver).
_PATH_SAFE = "/~:@!$&'()*+,;="
_DASH = "—"


class NumberFormat(NamedTuple):
    """The active language's separators, read once per table (`get_format` costs more than the number)."""

    decimal: str
    thousands: str
    group: int  # the group size; 0: the language groups otherwise (a sequence), left to the filter
    always_grouped: bool  # USE_THOUSAND_SEPARATOR: floatformat groups even without "g"

    @classmethod
    def active(cls) -> NumberFormat:
        group = get_format("NUMBER_GROUPING")
        return cls(
            str(get_format("DECIMAL_SEPARATOR")),
            str(get_format("THOUSAND_SEPARATOR")),
            group if isinstance(group, int) and group > 0 else 0,
            bool(settings.USE_THOUSAND_SEPARATOR),
        )


def decimal_text(value: Any, places: int, *, grouping: bool, fmt: NumberFormat | None = None) -> str:
    """`value|floatformat:places` (`"2g"` with `grouping`) in the active language (whose separators are `fmt`,
    when given); "" for None, as the filter. Decimals, ints and floats take the fast path; anything else (a
    string, NaN, a language grouping by a sequence) goes to the filter itself."""
    if value is None:
        return ""
    if places < 0 or places > 2:  # floatformat's "only the decimals needed" and longer ones: not used here
        return str(floatformat(value, f"{places}g" if grouping else places))
    fmt = fmt or NumberFormat.active()
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        d = Decimal(str(value))
    else:
        return str(floatformat(value, f"{places}g" if grouping else places))
    grouped = grouping or fmt.always_grouped
    if not d.is_finite() or (grouped and not fmt.group):
        return str(floatformat(value, f"{places}g" if grouping else places))
    # floatformat's own rounding: half up, at a precision wide enough for any number of digits.
    digits, exponent = d.as_tuple()[1:]
    precision = max(getcontext().prec, places + len(digits) + abs(int(exponent)) + 1)
    text = format(d.quantize(_STEPS[places], ROUND_HALF_UP, Context(prec=precision)), "f")
    sign = ""
    if text[0] == "-":
        text = text[1:]
        if text.strip("0."):  # a rounded zero has no sign (the filter's rule)
            sign = "-"
    int_part, _, dec_part = text.partition(".")
    if grouped and len(int_part) > fmt.group:
        int_part = _grouped(int_part, fmt.group, fmt.thousands)
    return sign + int_part + (fmt.decimal + dec_part if places > 0 else "")


_STEPS = {places: Decimal(1).scaleb(-places) for places in range(0, 3)}


def _grouped(digits: str, size: int, separator: str) -> str:
    head = len(digits) % size or size
    return separator.join([digits[:head]] + [digits[i : i + size] for i in range(head, len(digits), size)])


def truncated(text: str, length: int) -> str:
    """`text|truncatechars:length` (before escaping): the Truncator only for the long ones, and only for
    those with combining characters (which it does not count); without any, every character counts and its
    cut is a slice, found without its loop over every character (a tenth of the rows' time)."""
    normal = unicodedata.normalize("NFC", text)
    if len(normal) <= length:
        return normal
    if length > 0 and not any(unicodedata.combining(c) for c in set(normal) if not c.isascii()):
        return add_truncation_text(normal[: calculate_truncate_chars_length(length, None)])
    return Truncator(text).chars(length)


def _url_of(name: str, sample: Any) -> Callable[[Any], str]:
    """`{% url name value %}` (escaped, as the tag writes it under autoescape) for many values, by one
    `reverse`: the URL of a sample value split around it."""
    marker = str(sample)
    prefix, _, suffix = reverse(name, args=[sample]).rpartition(marker)

    def url(value: Any) -> str:
        return escape(prefix + quote(str(value), safe=_PATH_SAFE) + suffix)

    return url


def project_rows(projects: Iterable[Any], *, progress_columns: bool = False) -> SafeString:
    """The `<tbody>` content of the project table: one `<tr>` per project, or the "no project" row.
    The projects come from `pnrr.selectors.projects_for_list` with `with_list_places`; with
    `progress_columns`, from `insights.lists.with_progress` (their `row_progress`)."""
    project_url = _url_of("public:project", 1234567890)
    measure_url = _url_of("public:measure", "M0C0X0Z0")
    comune_url = _url_of("public:comune", "999999")
    body_url = _url_of("public:body", 1234567890)
    objective_url = _url_of("public:objective", "M0Z0X0")
    fmt = NumberFormat.active()
    untitled = escape(gettext("titolo non pubblicato nei dati validati"))
    on_opencup = escape(gettext("scheda pubblica su OpenCUP"))
    not_validated = escape(gettext("non validato"))
    out: list[str] = []
    for p in projects:
        cup = escape(p.cup)
        href = project_url(p.pk)
        measure = p.submeasure.measure
        code = escape(measure.code)
        if p.title:
            title = escape(truncated(p.title, 140))
            head = f'<a href="{href}">{title}</a><br><small class="text-muted">CUP {cup}'
        else:
            head = (
                f'<a href="{href}" data-untitled>{code} {escape(truncated(measure.name, 100))}</a><br>'
                f'<small class="text-muted"><em>{untitled}</em> · CUP <a href="{escape(p.opencup_url)}" '
                f'rel="external">{cup}<span class="visually-hidden"> ({on_opencup})</span></a>'
            )
        if p.provenance == "universe":
            head += f' · <span class="badge bg-warning">{not_validated}</span>'
        # (A measure's page does not prefetch them: its rows say —, as the template's lookup did.)
        places = getattr(p, "list_places", ())
        if places:
            links = [
                f'<a href="{comune_url(pl.comune.codice_istat)}">{escape(pl.label)}</a>'
                if pl.comune
                else escape(pl.label)
                for pl in places[:3]
            ]
            where = ", ".join(links)
            if len(places) > 3:
                more = len(places) - 3
                where += " " + ngettext("e %(n)s altro", "e altri %(n)s", more) % {
                    "n": escape(localize(more))
                }
        else:
            where = _DASH
        body = p.implementing_body
        who = f'<a href="{body_url(body.pk)}">{escape(body.name)}</a>' if body else _DASH
        row = (
            f'\n    <tr data-cup="{cup}">\n      <th scope="row">{head}</small></th>\n'
            f'      <td><a href="{measure_url(measure.code)}" title="{escape(measure.name)}">{code}</a>'
            "</td>\n"
            f"      <td>{where}</td>\n      <td>{who}</td>\n"
            f'      <td class="text-end">{_money(p.fin_pnrr, fmt)}</td>\n'
            f'      <td class="text-end">{_money(p.fin_totale, fmt)}</td>\n      '
        )
        if progress_columns:
            row += _progress_cells(p.row_progress, objective_url, fmt)
        out.append(row + "\n    </tr>\n  ")
    if not out:
        colspan = 10 if progress_columns else 6
        out.append(f'<tr><td colspan="{colspan}">{escape(gettext("Nessun progetto trovato."))}</td></tr>')
    return SafeString("".join(out))


def _money(value: Decimal | None, fmt: NumberFormat) -> str:
    """`value|floatformat:"2g"|default:"—"`."""
    return decimal_text(value, 2, grouping=True, fmt=fmt) or _DASH


def _progress_cells(r: ProjectProgress, objective_url: Callable[[Any], str], fmt: NumberFormat) -> str:
    pct = (
        f"{decimal_text(r.progress_pct, 1, grouping=False, fmt=fmt)}%"
        if r.progress_pct is not None
        else _DASH
    )
    objectives = ", ".join(f'<a href="{objective_url(c)}">{escape(c)}</a>' for c in r.objectives) or _DASH
    return (
        f'<td class="text-end text-nowrap" data-figure="paid">{_money(r.paid, fmt)}</td>\n'
        f'      <td class="text-end text-nowrap" data-figure="progress">{pct}</td>\n'
        f'      <td data-figure="objectives">{objectives}</td>\n'
        f'      <td data-figure="provenance">{escape(r.provenance)}</td>'
    )
