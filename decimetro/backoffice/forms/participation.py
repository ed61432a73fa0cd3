"""Forms of the participation pages: consultations, observations, moderation, verification reports, DUP."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from decimetro.backoffice.forms.base import BackofficeForm
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


class ConsultationForm(BackofficeForm):
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


class ModerationForm(BackofficeForm):
    status = forms.ChoiceField(
        widget=_select(),
        label=_("Stato"),
        choices=[(ObservationStatus.PUBLISHED, _("pubblica")), (ObservationStatus.HIDDEN, _("nascondi"))],
    )
    reason = forms.CharField(label=_("Motivo (obbligatorio per nascondere)"), required=False, max_length=500)


class AnswerForm(BackofficeForm):
    answer = forms.CharField(
        label=_("Risposta dell'Ente"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )


class VerificationForm(forms.Form):
    """A field verification. No status is chosen in advance (an untouched form is refused, never published as
    "non avviato"); a note or at least one photo is required; `confirm` is the confirmation step: one tick on
    the same page (a separate preview page would make a phone user pick the photos again, or keep unpublished
    uploads on the server between two requests)."""

    status = forms.ChoiceField(
        widget=forms.RadioSelect,
        label=_("Stato osservato sul campo"),
        choices=GroundStatus.choices,
        error_messages={"required": _("Scegli lo stato che hai osservato sul campo.")},
    )
    seen_on = forms.DateField(
        label=_("Data del sopralluogo"),
        widget=DATE,
        error_messages={"required": _("Indica la data del sopralluogo.")},
    )
    note = forms.CharField(
        label=_("Nota"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("Che cosa hai visto. Obbligatoria se non alleghi foto."),
    )
    confirm = forms.BooleanField(
        label=_(
            "Confermo che la verifica descrive ciò che ho visto e che sarà pubblicata "
            "sulla pagina del progetto."
        ),
        error_messages={"required": _("Spunta la conferma per pubblicare la verifica.")},
    )

    def __init__(self, *args: Any, photos: int = 0, **kwargs: Any) -> None:
        """`photos`: how many photos the report will have (new uploads and the ones kept)."""
        super().__init__(*args, **kwargs)
        self.photos = photos

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("note") or "").strip() and not self.photos and "note" not in self.errors:
            self.add_error("note", _("Scrivi una nota o allega almeno una foto di ciò che hai visto."))
        return data


class HideForm(BackofficeForm):
    reason = forms.CharField(label=_("Motivo"), required=False, max_length=500)


class DupObjectiveForm(BackofficeForm):
    """A DUP objective: the comune's own words and the plan objectives it serves. The plan objectives are
    drawn grouped by mission with their full titles and a search box (`_dup_plan_objectives.html`); with
    `suggest_url`, the title asks for the plan objectives its text suggests (htmx; never saved by itself)."""

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
        help_text=_("Raggruppati per missione; spunta tutti quelli a cui l'obiettivo del DUP contribuisce."),
    )

    def __init__(
        self,
        *args: Any,
        edition: Edition,
        suggest_url: str = "",
        suggest_text: str = "",
        suggestions: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        qs = (
            Objective.objects.filter(edition=edition)
            .select_related("mission")
            .order_by("mission__number", "number")
        )
        field = cast(forms.ModelMultipleChoiceField, self.fields["plan_objectives"])
        field.queryset = qs
        field.label_from_instance = lambda obj: f"{obj.code} {obj.title}"  # type: ignore[method-assign]
        field.template_name = "backoffice/participation/_dup_plan_objectives.html"  # type: ignore[attr-defined]
        self.suggest_url = suggest_url
        self.suggest_text = suggest_text  # the text of the plain-link fallback (the saved title)
        self.suggestions = suggestions  # None: nothing asked yet
        if suggest_url:
            self.fields["title"].widget.attrs.update(
                {
                    "hx-get": suggest_url,
                    "hx-trigger": "input changed delay:600ms",
                    "hx-target": "#dup-suggestions",
                    "hx-swap": "innerHTML",
                    "aria-controls": "dup-suggestions",
                }
            )


class DupCsvForm(BackofficeForm):
    file = forms.FileField(
        label=_("File CSV"),
        help_text=_(
            "CSV salvato da Excel o da un altro foglio di calcolo (UTF-8 o Windows-1252, separatore «;» o "
            "«,»), al massimo 1 MB; le colonne sono descritte sopra."
        ),
    )


PHOTO_HELP = _("Solo immagini (png, jpg), massimo 5 MB ciascuna, al massimo 5 foto.")
