"""Forms of the monitoring back office (indicator definition, one value, CSV import)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from decimetro.backoffice.forms.base import BackofficeForm
from decimetro.core.models import User
from decimetro.monitoring.models import Frequency, Polarity
from decimetro.plan.models import Objective
from decimetro.territory.models import Comune

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ObjectiveChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title[:90]}"


class OwnerChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class IndicatorForm(BackofficeForm):
    code = forms.CharField(
        label=_("Codice"), max_length=40, help_text=_("Unico; usato nei file CSV (es. M2.05-RD).")
    )
    name = forms.CharField(label=_("Nome"), max_length=200)
    objective = ObjectiveChoiceField(label=_("Obiettivo strategico"), queryset=Objective.objects.none())
    comune = forms.ModelChoiceField(
        label=_("Comune"),
        queryset=Comune.objects.order_by("name"),
        required=False,
        help_text=_("Lasciare vuoto per un indicatore dell'intero territorio metropolitano."),
    )
    unit = forms.CharField(label=_("Unità di misura"), max_length=40)
    source = forms.CharField(label=_("Fonte"), max_length=300)
    description = forms.CharField(
        label=_("Descrizione"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    baseline_value = forms.DecimalField(label=_("Valore di partenza"), max_digits=18, decimal_places=4)
    baseline_date = forms.DateField(label=_("Data del valore di partenza"), widget=DATE_WIDGET)
    target_value = forms.DecimalField(label=_("Valore obiettivo"), max_digits=18, decimal_places=4)
    target_date = forms.DateField(label=_("Data dell'obiettivo"), widget=DATE_WIDGET)
    polarity = forms.ChoiceField(label=_("Polarità"), choices=Polarity.choices)
    frequency = forms.ChoiceField(
        label=_("Frequenza di aggiornamento"),
        choices=Frequency.choices,
        help_text=_("Determina quando è atteso il valore successivo."),
    )
    owner = OwnerChoiceField(
        label=_("Responsabile"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        help_text=_("Riceve un promemoria via email quando un valore è atteso."),
    )

    def __init__(self, *args: Any, objectives: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = objectives  # type: ignore[attr-defined]


class ValueForm(BackofficeForm):
    date = forms.DateField(label=_("Data del valore"), widget=DATE_WIDGET)
    value = forms.DecimalField(label=_("Valore"), max_digits=18, decimal_places=4)
    source = forms.CharField(label=_("Fonte"), max_length=300, required=False)
    note = forms.CharField(
        label=_("Nota"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class ValuesCsvForm(BackofficeForm):
    file = forms.FileField(
        label=_("File CSV"),
        help_text=_(
            "CSV salvato da Excel o da un altro foglio di calcolo (UTF-8 o Windows-1252, separatore «;» o "
            "«,»), al massimo 1 MB e 5.000 righe."
        ),
    )
