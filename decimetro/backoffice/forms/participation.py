"""Forms of the participation pages: consultations, observations, moderation, verification reports, DUP."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from decimetro.core.models import Organisation, OrganisationKind
from decimetro.participation.models import (
    AUDIENCE_KIND_CHOICES,
    Audience,
    GroundStatus,
    ObservationStatus,
)
from decimetro.plan.models import Edition, Mission, Objective

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select"})


SUBJECT_KINDS = [
    ("objective", _("un obiettivo strategico")),
    ("mission", _("una missione")),
    ("project", _("un progetto PNRR")),
]


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("Titolo"), max_length=200)
    text = forms.CharField(label=_("Testo della consultazione"), widget=forms.Textarea(attrs={"rows": 6}))
    subject_kind = forms.ChoiceField(
        label=_("La consultazione riguarda"), choices=SUBJECT_KINDS, widget=forms.RadioSelect
    )
    objective = forms.ModelChoiceField(
        widget=_select(), label=_("Obiettivo strategico"), queryset=Objective.objects.none(), required=False
    )
    mission = forms.ModelChoiceField(
        widget=_select(), label=_("Missione"), queryset=Mission.objects.none(), required=False
    )
    project = forms.IntegerField(
        label=_("Numero del progetto PNRR"),
        required=False,
        min_value=1,
        help_text=_("Il numero nell'indirizzo della pagina del progetto (…/progetti/<numero>/)."),
    )
    opens_on = forms.DateField(label=_("Data di apertura"), widget=DATE)
    closes_on = forms.DateField(
        label=_("Data di chiusura"), widget=DATE, help_text=_("Ultimo giorno utile, incluso.")
    )
    audience = forms.ChoiceField(
        label=_("Chi può rispondere"), choices=Audience.choices, widget=forms.RadioSelect
    )
    audience_organisations = forms.ModelMultipleChoiceField(
        label=_("Organizzazioni invitate"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Solo se si è scelto «le organizzazioni elencate»."),
    )
    audience_kinds = forms.MultipleChoiceField(
        label=_("Tipi di organizzazione invitati"),
        choices=AUDIENCE_KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Solo se si è scelto «le organizzazioni dei tipi scelti»."),
    )

    def __init__(self, *args: Any, edition: Edition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        objective = cast(forms.ModelChoiceField, self.fields["objective"])
        objective.queryset = Objective.objects.filter(edition=edition).order_by("mission__number", "number")
        mission = cast(forms.ModelChoiceField, self.fields["mission"])
        mission.queryset = Mission.objects.filter(edition=edition).order_by("number")
        audience = cast(forms.ModelMultipleChoiceField, self.fields["audience_organisations"])
        audience.queryset = (
            Organisation.objects.filter(active=True)
            .exclude(kind=OrganisationKind.ENTE)
            .order_by("kind", "name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("subject_kind")
        if kind in ("objective", "mission") and not data.get(kind):
            self.add_error(kind, _("Scegli un valore."))
        if kind == "project" and not data.get("project"):
            self.add_error("project", _("Indica il numero del progetto."))
        return data


class ModerationForm(forms.Form):
    status = forms.ChoiceField(
        widget=_select(),
        label=_("Stato"),
        choices=[(ObservationStatus.PUBLISHED, _("pubblica")), (ObservationStatus.HIDDEN, _("nascondi"))],
    )
    reason = forms.CharField(label=_("Motivo (obbligatorio per nascondere)"), required=False, max_length=500)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Risposta dell'Ente"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )


class VerificationForm(forms.Form):
    status = forms.ChoiceField(
        widget=_select(), label=_("Stato osservato sul campo"), choices=GroundStatus.choices
    )
    seen_on = forms.DateField(label=_("Data del sopralluogo"), widget=DATE)
    note = forms.CharField(
        label=_("Nota"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Motivo"), required=False, max_length=500)


class DupObjectiveForm(forms.Form):
    code = forms.CharField(label=_("Codice"), max_length=30)
    title = forms.CharField(label=_("Titolo"), max_length=500)
    dup_mission = forms.CharField(
        label=_("Missione del DUP"),
        max_length=200,
        required=False,
        help_text=_("Numero o nome della missione."),
    )
    year_from = forms.IntegerField(label=_("Dall'anno"), min_value=2000, max_value=2100)
    year_to = forms.IntegerField(label=_("All'anno"), min_value=2000, max_value=2100)
    plan_objectives = forms.ModelMultipleChoiceField(
        label=_("Obiettivi del piano strategico serviti"),
        queryset=Objective.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, edition: Edition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = (
            Objective.objects.filter(edition=edition)
            .select_related("mission")
            .order_by("mission__number", "number")
        )
        field = self.fields["plan_objectives"]
        field.queryset = qs  # type: ignore[attr-defined]
        field.label_from_instance = lambda o: f"{o.code} {o.title[:110]}"  # type: ignore[attr-defined]


class DupCsvForm(forms.Form):
    file = forms.FileField(
        label=_("File CSV"),
        help_text=_(
            "Colonne: codice, titolo, missione_dup, anno_da, anno_a, obiettivi_piano. "
            "Codifica UTF-8, separatore virgola o punto e virgola."
        ),
    )


PHOTO_HELP = _("Solo immagini (png, jpg), massimo 5 MB ciascuna, al massimo 5 foto.")
