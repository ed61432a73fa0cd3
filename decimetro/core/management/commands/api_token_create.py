"""`manage.py api_token_create --organisation <codice_istat|ente|id> --name NAME`: a new API token of an
organisation (what its admin does on the "Token API" page). The token is printed once, alone on the last
line of the output (so a script can take it with `tail -n 1`); only its SHA-256 is stored."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.core.models import Organisation, OrganisationKind
from decimetro.core.services_tokens import api_token_create


def organisation_from(key: str) -> Organisation:
    """`ente` → the Ente; six digits → the comune's organisation by ISTAT code; another number → by id."""
    key = key.strip()
    qs = Organisation.objects.all()
    if key.lower() == "ente":
        found = list(qs.filter(kind=OrganisationKind.ENTE)[:2])
    elif key.isdigit() and len(key) == 6:
        found = list(qs.filter(kind=OrganisationKind.COMUNE, comune__codice_istat=key)[:2])
    elif key.isdigit():
        found = list(qs.filter(pk=int(key))[:2])
    else:
        raise CommandError(
            f"Organizzazione «{key}» non valida: usa un codice ISTAT di 6 cifre, «ente» o un id."
        )
    if len(found) != 1:
        raise CommandError(
            f"Organizzazione «{key}» non trovata."
            if not found
            else f"«{key}» indica più organizzazioni: usa l'id numerico."
        )
    return found[0]


class Command(BaseCommand):
    help = (
        "Crea un token API per un'organizzazione (codice ISTAT del comune, «ente» o id). Il token è "
        "stampato una sola volta, da solo sull'ultima riga."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="codice ISTAT del comune, «ente» o id")
        parser.add_argument(
            "--name", required=True, help="nome del token (per esempio il sistema che lo usa)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_from(options["organisation"])
        try:
            token, secret = api_token_create(by=None, organisation=organisation, name=options["name"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Token «{token.name}» creato per {organisation.name} ({token.prefix}…). "
            "Conservalo ora: non sarà più mostrato."
        )
        self.stdout.write(secret)
