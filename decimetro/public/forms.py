"""Forms of the public pages (the observation form is shown on a consultation's page)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from decimetro.participation.models import ProposalKind


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select"})


class ObservationForm(forms.Form):
    text = forms.CharField(
        label=_("Osservazione"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000
    )
    proposal_kind = forms.ChoiceField(
        widget=_select(), label=_("Proposta (facoltativa)"), choices=ProposalKind.choices, required=False
    )
    proposal = forms.CharField(
        label=_("Progetto o indicatore proposto"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    attachment = forms.FileField(
        label=_("Allegato (facoltativo)"),
        required=False,
        help_text=_("Tipi ammessi: pdf, png, jpg, odt, docx; massimo 5 MB."),
    )


class FollowForm(forms.Form):
    """Follow a page by email (its own page, /segui/…): the address only; what is followed is in the URL."""

    email = forms.EmailField(
        label=_("Il tuo indirizzo email"),
        max_length=254,
        error_messages={
            "required": _("Scrivi l'indirizzo email a cui mandare le novità."),
            "invalid": _(
                "L'indirizzo email non è valido: controlla di averlo scritto per intero (nome@dominio.it)."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
