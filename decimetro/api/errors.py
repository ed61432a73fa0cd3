"""The API's error answers: their schemas (documented in the OpenAPI of every operation that can give them),
the Italian messages of parameter validation, and the bounds of pagination and ids.

Every error is JSON: `{"detail": "…"}` (400, 404, 503), or for 422 `{"detail": [{"loc": […], "msg": "…",
"type": "…"}]}` with one item per invalid parameter (`loc`: where, e.g. `["query", "offset"]`; `msg`: in
Italian; `type`: the validation error's code, stable for programs)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from decimetro.api.auth import RateLimited

# Pagination: `limit` 1..MAX_LIMIT, `offset` 0..MAX_OFFSET (beyond the data: an empty page, never an error;
# beyond MAX_OFFSET: 422 — the database cannot skip more rows than a 64-bit integer anyway).
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
# Ids in paths: 1..the largest 64-bit id the tables can hold (a larger number is a 422, not a database error).
MAX_ID = 2**63 - 1
# Amounts in filters: 0..MAX_AMOUNT euro (more than any PNRR budget), cents at most.
MAX_AMOUNT = Decimal("1000000000000")


class ErrorOut(Schema):
    detail: str


class ValidationIssueOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[ValidationIssueOut]


def responses(ok: Any, *codes: int) -> dict[int, Any]:
    """The `response=` of an operation: 200 → `ok`, and the error codes it can answer with their schema."""
    schemas: dict[int, Any] = {200: ok}
    for code in codes:
        schemas[code] = ValidationErrorOut if code == 422 else ErrorOut
    return schemas


def _issue_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    name = next((str(part) for part in reversed(error.get("loc", ())) if isinstance(part, str)), "")
    what = f"«{name}»" if name and name not in ("query", "path", "body") else _("il valore")
    if kind == "missing":
        return _("%(what)s è obbligatorio.") % {"what": what}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("%(what)s deve essere un numero intero.") % {"what": what}
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "float_type", "finite_number"):
        return _("%(what)s deve essere un numero (con il punto come separatore decimale).") % {"what": what}
    if kind == "greater_than_equal":
        return _("%(what)s deve essere almeno %(n)s.") % {"what": what, "n": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("%(what)s deve essere al massimo %(n)s.") % {"what": what, "n": ctx.get("le")}
    if kind == "greater_than":
        return _("%(what)s deve essere maggiore di %(n)s.") % {"what": what, "n": ctx.get("gt")}
    if kind == "less_than":
        return _("%(what)s deve essere minore di %(n)s.") % {"what": what, "n": ctx.get("lt")}
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", _(" o "))
        return _("%(what)s deve essere uno tra: %(values)s.") % {"what": what, "values": expected}
    if kind == "bool_parsing":
        return _("%(what)s deve essere true o false.") % {"what": what}
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return _("%(what)s deve essere una data AAAA-MM-GG.") % {"what": what}
    if kind in ("string_too_long", "string_too_short"):
        return _("%(what)s ha una lunghezza non ammessa.") % {"what": what}
    if kind in ("json_invalid", "model_attributes_type", "dict_type", "model_type"):
        return _("Il corpo della richiesta deve essere un oggetto JSON.")
    if kind == "string_type":
        return _("%(what)s deve essere un testo.") % {"what": what}
    if kind in ("text_empty", "text_too_long"):  # our own validators: already in Italian
        return str(error.get("msg", ""))
    return _("%(what)s non è valido.") % {"what": what}


def validation_issues(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": _issue_message(e),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def install(api: NinjaAPI) -> None:
    """Replace django-ninja's English error answers with the documented Italian ones."""

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, ValidationError)
        return api.create_response(request, {"detail": validation_issues(list(exc.errors))}, status=422)

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc)
        if not message or "matches the given query" in message:
            message = _("Risorsa non trovata.")
        return api.create_response(request, {"detail": message}, status=404)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, HttpError)
        message = str(exc)
        if exc.status_code == 400 and message.startswith("Cannot parse request body"):
            message = _("Corpo della richiesta non leggibile: è atteso un oggetto JSON.")
        return api.create_response(request, {"detail": message}, status=exc.status_code)

    def on_auth(request: HttpRequest, exc: Any) -> HttpResponse:
        response = api.create_response(
            request,
            {
                "detail": _(
                    "Autenticazione richiesta: manca il token API, oppure non è valido o è stato revocato "
                    "(intestazione «Authorization: Bearer <token>»)."
                )
            },
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="decimetro"'
        return response

    def on_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) or _("Operazione non consentita con questo token.")
        return api.create_response(request, {"detail": message}, status=403)

    def on_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        """A service refused the data (django ValidationError): 422 with one item per field."""
        assert isinstance(exc, DjangoValidationError)
        issues: list[dict[str, Any]] = []
        if hasattr(exc, "error_dict"):
            for name, errs in exc.message_dict.items():
                loc = ["body"] if name == "__all__" else ["body", name]
                issues += [{"loc": loc, "msg": str(m), "type": "invalid"} for m in errs]
        else:
            issues = [{"loc": ["body"], "msg": str(m), "type": "invalid"} for m in exc.messages]
        return api.create_response(request, {"detail": issues}, status=422)

    def on_rate(request: HttpRequest, exc: Any) -> HttpResponse:
        response = api.create_response(
            request,
            {
                "detail": _("Troppe richieste con questo token: riprova fra %(s)s secondi.")
                % {"s": exc.retry_after}
            },
            status=429,
        )
        response["Retry-After"] = str(exc.retry_after)
        return response

    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(PermissionDenied, on_denied)
    api.add_exception_handler(DjangoValidationError, on_invalid)
    api.add_exception_handler(RateLimited, on_rate)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(HttpError, on_http_error)
