"""Development only: a few demo accounts, one per persona, with a password printed on the console."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from decimetro.core.demo import DEMO_BODY, DEMO_USERS
from decimetro.core.models import BodyKind, Organisation, OrganisationKind, User
from decimetro.core.services import organisation_create, user_create_for_development


class Command(BaseCommand):
    help = (
        "SOLO SVILUPPO: crea gli utenti dimostrativi (admin.ente, redattore.milano, redattore.rho, "
        "associazione, …) e ne stampa la password. Rifiuta di girare in produzione o senza DEBUG."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="rigenera la password anche degli utenti già presenti"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "demo_users non gira in produzione: gli account dimostrativi hanno password note "
                "(stampate nel log). Creare gli utenti reali con un invito dal back office."
            )
        if not settings.DEBUG:
            raise CommandError(
                "demo_users gira solo in sviluppo (DEBUG attivo, DECIMETRO_ENV diverso da production)."
            )
        ente = Organisation.objects.filter(kind=OrganisationKind.ENTE).first()
        if ente is None:
            raise CommandError(
                "Manca l'organizzazione dell'Ente: eseguire prima `manage.py organisations_setup`."
            )
        body = Organisation.objects.filter(name=DEMO_BODY).first()
        admin = User.objects.filter(username="admin.ente").first()
        self.stdout.write("Utenti dimostrativi (solo sviluppo):")
        for username, where, role in DEMO_USERS:
            if where == "ente":
                org: Organisation | None = ente
            elif where == "body":
                org = body
            else:
                org = Organisation.objects.filter(comune__codice_istat=where).first()
            if org is None and where == "body" and admin is not None:
                org = body = organisation_create(
                    by=admin, name=DEMO_BODY, body_kind=BodyKind.BUSINESS, email="demo@example.org"
                )
            if org is None:
                self.stdout.write(f"  {username}: organizzazione {where} assente, saltato")
                continue
            exists = User.objects.filter(username=username).exists()
            if exists and not options["reset"]:
                self.stdout.write(
                    f"  {username:18} già presente (password invariata; --reset per rigenerarla)"
                )
                continue
            password = secrets.token_urlsafe(12)
            user_create_for_development(
                username=username,
                password=password,
                email=f"{username}@example.org",
                organisation=org,
                role=role,
            )
            if username == "admin.ente":
                admin = User.objects.get(username=username)
            self.stdout.write(f"  {username:18} password: {password}   ({org.name}, {role.label})")
