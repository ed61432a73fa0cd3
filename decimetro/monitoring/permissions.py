"""Who may do what with indicators: the monitoring rules, on the predicates of decimetro.core.permissions.

Loaded by MonitoringConfig.ready(); asked by name through `core.permissions.can` / `ensure`.

| permission              | object    | who                                                            |
|-------------------------|-----------|----------------------------------------------------------------|
| indicator.manage        |           | Ente staff: define, edit, deactivate; see inactive indicators  |
| indicator.record_value  | Indicator | Ente staff, the indicator's owner, an editor/admin of its Comune |
| indicator.import_values |           | whoever may record a value for at least one active indicator   |
| indicator.record_some   |           | Ente staff, editors/admins of a Comune, owners of an indicator: |
|                         |           | the back-office list of the indicators they record values for  |
"""

from __future__ import annotations

from typing import Any

import rules

from decimetro.core.permissions import add_perm, is_active_user, is_ente_staff, writable_comune_id
from decimetro.monitoring.models import Indicator


@rules.predicate
def owns_indicator(user: Any, indicator: Indicator) -> bool:
    return indicator.owner_id is not None and indicator.owner_id == user.pk


@rules.predicate
def writes_for_indicator_comune(user: Any, indicator: Indicator) -> bool:
    return indicator.comune_id is not None and writable_comune_id(user) == indicator.comune_id


@rules.predicate
def records_some_value(user: Any) -> bool:
    """Whether the user could record a value for at least one active indicator (the CSV import page)."""
    if not is_active_user(user):
        return False
    if is_ente_staff(user):
        return True
    comune_id = writable_comune_id(user)
    mine = Indicator.objects.filter(active=True, owner_id=user.pk)
    if comune_id is not None:
        mine = mine | Indicator.objects.filter(active=True, comune_id=comune_id)
    return mine.exists()


add_perm(
    "indicator.manage",
    is_ente_staff,
    refused="Solo il personale dell'Ente può definire gli indicatori.",
)
add_perm(
    "indicator.record_value",
    is_active_user & (is_ente_staff | owns_indicator | writes_for_indicator_comune),
    refused="Non è consentito registrare valori per questo indicatore.",
)


@rules.predicate
def may_record_some(user: Any) -> bool:
    """Whether the user has a list of indicators to keep up to date: the Ente's staff, an editor/admin of a
    Comune (its comune's indicators, maybe none yet) or the owner of an indicator."""
    if not is_active_user(user):
        return False
    if is_ente_staff(user) or writable_comune_id(user) is not None:
        return True
    return Indicator.objects.filter(active=True, owner_id=user.pk).exists()


add_perm(
    "indicator.record_some",
    may_record_some,
    refused="Solo il personale dell'Ente, i Comuni e i responsabili degli indicatori registrano valori.",
)
add_perm(
    "indicator.import_values",
    records_some_value,
    refused="Non è consentito importare valori degli indicatori.",
)
