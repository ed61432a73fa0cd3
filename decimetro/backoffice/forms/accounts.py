"""Forms of the accounts pages (users, organisations, invitations, audit log)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from decimetro.backoffice.forms.base import BackofficeForm
from decimetro.core.audit_labels import action_label
from decimetro.core.models import BodyKind, Organisation, Role, User

ACTIVE_CHOICES = [("", _("tutti")), ("1", _("attivi")), ("0", _("disattivati"))]


class UserFilterForm(BackofficeForm):
    q = forms.CharField(label=_("Cerca"), required=False, max_length=100)
    organisation = forms.ModelChoiceField(
        label=_("Organizzazione"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("tutte"),
    )
    role = forms.ChoiceField(label=_("Ruolo"), choices=[("", _("tutti")), *Role.choices], required=False)
    active = forms.ChoiceField(label=_("Stato"), choices=ACTIVE_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.order_by("kind", "name")


class InvitationForm(BackofficeForm):
    email = forms.EmailField(label=_("Email della persona invitata"), max_length=254)
    organisation = forms.ModelChoiceField(
        label=_("Organizzazione"), queryset=Organisation.objects.none(), empty_label=None
    )
    role = forms.ChoiceField(label=_("Ruolo"), choices=Role.choices, initial=Role.VIEWER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(active=True).order_by("kind", "name")


class RoleForm(BackofficeForm):
    role = forms.ChoiceField(label=_("Ruolo"), choices=Role.choices)
    organisation = forms.ModelChoiceField(
        label=_("Organizzazione"), queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(active=True).order_by("kind", "name")


class OrganisationForm(BackofficeForm):
    name = forms.CharField(label=_("Nome"), max_length=200)
    body_kind = forms.ChoiceField(label=_("Tipo"), choices=BodyKind.choices, initial=BodyKind.OTHER)
    fiscal_code = forms.CharField(
        label=_("Codice fiscale"),
        max_length=16,
        required=False,
        help_text=_("11 cifre (partita IVA/codice fiscale di ente) o 16 caratteri."),
    )
    email = forms.EmailField(label=_("Email di contatto"), required=False)
    phone = forms.CharField(label=_("Telefono"), max_length=40, required=False)
    active = forms.BooleanField(label=_("Attiva"), required=False, initial=True)


NEW_PASSWORD_HELP = _("Almeno 12 caratteri, non troppo comune, non solo cifre, diversa dal nome utente.")


def _password_field(
    label: Any, *, autocomplete: str = "new-password", help_text: Any = ""
) -> forms.CharField:
    """A password input (never stripped), with the browser's autocomplete hint."""
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        help_text=help_text,
    )


def _check_repeated_password(form: forms.Form, data: dict[str, Any], first: str, second: str) -> None:
    """The password typed twice must be the same twice (the error goes on the second field)."""
    if data.get(first) and data.get(second) and data[first] != data[second]:
        form.add_error(second, _("Le due password non coincidono."))


class InvitationAcceptForm(BackofficeForm):
    full_name = forms.CharField(label=_("Nome e cognome"), max_length=150, required=False)
    username = forms.CharField(
        label=_("Nome utente"),
        max_length=150,
        help_text=_("Da 3 a 150 caratteri: lettere, cifre e . @ + - _"),
    )
    password1 = _password_field(_("Password"), help_text=NEW_PASSWORD_HELP)
    password2 = _password_field(_("Ripeti la password"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_repeated_password(self, data, "password1", "password2")
        return data


class PasswordForm(BackofficeForm):
    old_password = _password_field(_("Password attuale"), autocomplete="current-password")
    new_password1 = _password_field(_("Nuova password"), help_text=NEW_PASSWORD_HELP)
    new_password2 = _password_field(_("Ripeti la nuova password"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_repeated_password(self, data, "new_password1", "new_password2")
        return data


class AuditFilterForm(BackofficeForm):
    actor = forms.ModelChoiceField(
        label=_("Utente"), queryset=User.objects.none(), required=False, empty_label=_("tutti")
    )
    target_type = forms.TypedChoiceField(
        label=_("Tipo di oggetto"), choices=[], required=False, coerce=int, empty_value=None
    )
    action = forms.ChoiceField(label=_("Azione"), choices=[], required=False)
    q = forms.CharField(label=_("Oggetto (testo o id)"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("Dal"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("Al"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(
        self,
        *args: Any,
        actors: Any,
        target_types: list[tuple[int, str]],
        actions: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        actor = self.fields["actor"]
        assert isinstance(actor, forms.ModelChoiceField)
        actor.queryset = actors
        target = self.fields["target_type"]
        assert isinstance(target, forms.TypedChoiceField)
        target.choices = [("", _("tutti")), *target_types]
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", _("tutte")), *[(a, action_label(a)) for a in actions]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("La data finale precede quella iniziale."))
        return data
