"""The audit log in words: one mapping of action codes, field names and system writers to Italian labels,
used by every page that shows audit rows (the public change history of the plan, the back-office log).

The codes stay what the services write (`dup.create`, `plan_load`): they are the log's stable keys, filters
and tests read them. Only what people read is translated here. A code without a label is shown as it is, so a
new service is never hidden; add its label below.

On public pages a change is signed by the **organisation** the person acts for, never by a username: the
public sees "Comune di Milano", not `redattore.milano` (`public_author`). The back-office log, read by the
Ente's administrators, shows both.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from decimetro.core.models import AuditEntry, BodyKind, OrganisationKind, Role

ACTION_LABELS: dict[str, Promise] = {
    # generic writes (organisations, users)
    "create": _("creazione"),
    "update": _("modifica"),
    # the plan
    "edition.create": _("creazione dell'edizione del piano"),
    "edition.update": _("modifica dell'edizione del piano"),
    "edition.publish": _("pubblicazione dell'edizione del piano"),
    "keyword.create": _("creazione della parola chiave"),
    "keyword.update": _("modifica della parola chiave"),
    "direction.create": _("creazione dell'indirizzo"),
    "direction.update": _("modifica dell'indirizzo"),
    "mission.create": _("creazione della missione"),
    "mission.update": _("modifica della missione"),
    "mission.keywords": _("modifica delle parole chiave"),
    "component.create": _("creazione della componente"),
    "component.update": _("modifica della componente"),
    "objective.create": _("creazione dell'obiettivo"),
    "objective.update": _("modifica dell'obiettivo"),
    # the territory
    "comune.create": _("creazione del comune"),
    "comune.update": _("modifica del comune"),
    "zone.create": _("creazione della zona omogenea"),
    "zone.update": _("modifica della zona omogenea"),
    # PNRR data and links
    "pnrr.import": _("importazione dei dati PNRR"),
    "pnrr.import.rejected": _("importazione dei dati PNRR rifiutata"),
    "pnrr.import.upload": _("caricamento di un file di dati PNRR"),
    "linking.suggest": _("suggerimento di collegamenti"),
    "linking.suggest_all": _("ricalcolo dei suggerimenti"),
    "linking.apply_rules": _("applicazione delle regole di collegamento"),
    "linking.confirmed": _("collegamento confermato"),
    "linking.rejected": _("collegamento respinto"),
    "linking.chosen": _("scelto un altro obiettivo"),
    "linking.crosswalk_add": _("regola di corrispondenza aggiunta"),
    "linking.crosswalk_approve": _("regola di corrispondenza approvata"),
    "linking.crosswalk_load": _("caricamento della tabella di corrispondenza"),
    "linking.crosswalk_remove": _("regola di corrispondenza rimossa"),
    "linking.crosswalk_revoke": _("regola di corrispondenza revocata"),
    # monitoring
    "monitoring.indicator.create": _("creazione dell'indicatore"),
    "monitoring.indicator.update": _("modifica dell'indicatore"),
    "monitoring.indicator.deactivate": _("disattivazione dell'indicatore"),
    "monitoring.value.update": _("registrazione di un valore"),
    "monitoring.value.import": _("importazione di valori"),
    "monitoring.reminder.send": _("invio del promemoria"),
    # participation
    "consultation.create": _("apertura della consultazione"),
    "consultation.update": _("modifica della consultazione"),
    "consultation.close": _("chiusura della consultazione"),
    "observation.create": _("invio di un'osservazione"),
    "observation.answer": _("risposta a un'osservazione"),
    "observation.moderate": _("moderazione di un'osservazione"),
    "dup.create": _("aggiunta di un obiettivo del DUP"),
    "dup.update": _("modifica di un obiettivo del DUP"),
    "dup.delete": _("eliminazione di un obiettivo del DUP"),
    "dup.import": _("importazione del DUP"),
    "verification.create": _("segnalazione di verifica sul campo"),
    "verification.update": _("modifica della verifica sul campo"),
    "verification.delete": _("eliminazione della verifica sul campo"),
    "verification.hide": _("verifica sul campo nascosta"),
    "verification.photo_clean": _("foto della verifica ripulita dai dati di posizione"),
    # accounts
    "invitation_create": _("invito inviato"),
    "invitation_accept": _("invito accettato"),
    "invitation_revoke": _("invito revocato"),
    "membership_set_role": _("cambio di organizzazione o ruolo"),
    "password_change": _("cambio della password"),
    "password_reset": _("password reimpostata via email"),
    "user_disable": _("utente disattivato"),
    "user_enable": _("utente riattivato"),
    "demo_user": _("utente dimostrativo"),
    "follow.request": _("richiesta di seguire per email"),
    "follow.confirm": _("iscrizione per email confermata"),
    "follow.unsubscribe": _("iscrizione per email annullata"),
    "follow.own": _("pagina seguita con l'email dell'account"),
    "follow.unfollow": _("pagina non più seguita"),
    "follow.digest": _("riepilogo delle novità inviato"),
    "apitoken.create": _("token API creato"),
    "apitoken.revoke": _("token API revocato"),
}

# The writers that are not a person (`audit_record(by=None, by_label=…)`: commands, scheduled jobs).
SYSTEM_ACTORS: dict[str, Promise] = {
    "sistema": _("sistema"),
    "plan_load": _("caricamento del piano"),
    "manage.py api_token_create": _("comando di creazione dei token API"),
    "pnrr_import": _("importazione dei dati PNRR"),
    "linking_suggest": _("suggerimenti automatici"),
    "linking_rules": _("regole di collegamento"),
    "crosswalk": _("tabella di corrispondenza"),
    "crosswalk_load": _("caricamento della tabella di corrispondenza"),
    "monitoring_remind": _("promemoria automatici"),
    "participation_clean_photos": _("pulizia delle foto"),
    "suggestions_refresh": _("aggiornamento dei suggerimenti"),
    "territory_load": _("caricamento del territorio"),
    "demo_users": _("utenti dimostrativi"),
    "caricamento": _("caricamento dei dati"),
}

# Field names of the snapshots (`before`/`after`) that are not the plan's own (the plan names its fields in
# `plan.selectors.HISTORY_FIELDS`, which callers pass as `extra`).
FIELD_LABELS: dict[str, Promise] = {
    "username": _("Nome utente"),
    "email": _("Email"),
    "first_name": _("Nome"),
    "last_name": _("Cognome"),
    "is_staff": _("Personale dell'Ente"),
    "is_superuser": _("Amministratore di sistema"),
    "is_active": _("Attivo"),
    "active": _("Attivo"),
    "organisation": _("Organizzazione"),
    "role": _("Ruolo"),
    "kind": _("Tipo"),
    "body_kind": _("Tipo di corpo intermedio"),
    "name": _("Nome"),
    "fiscal_code": _("Codice fiscale"),
    "phone": _("Telefono"),
    "comune": _("Comune"),
    "code": _("Codice"),
    "title": _("Titolo"),
    "status": _("Stato"),
    "note": _("Nota"),
    "value": _("Valore"),
    "date": _("Data"),
    "source": _("Fonte"),
    "unit": _("Unità di misura"),
    "target": _("Obiettivo"),
    "objective": _("Obiettivo del piano"),
    "plan_objectives": _("Obiettivi del piano"),
    "expires_at": _("Scadenza"),
    "accepted_at": _("Accettato il"),
    "opens_at": _("Apertura"),
    "closes_at": _("Chiusura"),
    "answer": _("Risposta"),
    "moderation_reason": _("Motivo della moderazione"),
    "text": _("Testo"),
    "year_from": _("Dall'anno"),
    "year_to": _("All'anno"),
    "mission": _("Missione"),
    "slug": _("Identificativo"),
    "photo": _("Foto"),
    "password": _("Password"),
}


def action_label(code: str) -> str:
    """The Italian label of an audit action code (the code itself if it has none)."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def field_label(name: str, extra: dict[str, Any] | None = None) -> str:
    """The Italian label of a snapshot field: `extra` first (an app's own names), then FIELD_LABELS."""
    label = (extra or {}).get(name) or FIELD_LABELS.get(name)
    return str(label) if label is not None else name


def value_label(value: object) -> str:
    """A snapshot value in words: sì/no for flags, '—' for nothing, a list joined by commas."""
    if value is True:
        return _t("sì")
    if value is False:
        return _t("no")
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {value_label(v)}" for k, v in value.items()) or "—"
    return str(value)


def system_actor_label(label: str) -> str:
    """The words for a writer that is not a person (`plan_load` → "caricamento del piano")."""
    known = SYSTEM_ACTORS.get(label)
    return str(known) if known is not None else label


def public_author(entry: AuditEntry) -> str:
    """Who made a change, as the public may read it: the organisation the person acts for (the Ente's staff
    without a membership sign as the Ente), or the process that wrote it. Never a username.

    Reads `entry.actor.membership.organisation`: select it with the entry (`core.audit.audit_history`
    does)."""
    user = entry.actor
    if user is None:
        return system_actor_label(entry.actor_label) if entry.actor_label in SYSTEM_ACTORS else _t("sistema")
    return organisation_name_of(user)


def organisation_name_of(user: Any) -> str:
    """The name of the organisation a user acts for, for public pages (never the username)."""
    membership = getattr(user, "membership", None) if user is not None else None
    if membership is not None:
        return str(membership.organisation.name)
    if user is not None and (user.is_staff or user.is_superuser):
        return str(OrganisationKind.ENTE.label)
    return _t("utente registrato")


# Fields whose values are choices: the value's label in place of its code ("editor" → "redattore").
FIELD_CHOICES: dict[str, dict[str, Any]] = {
    "role": dict(Role.choices),
    "kind": dict(OrganisationKind.choices),
    "body_kind": dict(BodyKind.choices),
}


def field_value_label(name: str, value: object) -> str:
    choices = FIELD_CHOICES.get(name)
    if choices is not None and isinstance(value, str) and value in choices:
        return str(choices[value])
    return value_label(value)


def field_changes(
    entry: AuditEntry, extra_fields: dict[str, Any] | None = None
) -> list[tuple[str, str, str]]:
    """The changed fields of an entry in words: (label, before, after)."""
    return [
        (field_label(f, extra_fields), field_value_label(f, b), field_value_label(f, a))
        for f, b, a in entry.changes
    ]
