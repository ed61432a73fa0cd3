"""Forms of the plan's editing pages (an objective, a component, a mission)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from decimetro.backoffice.forms.base import BackofficeForm


class ActorsForm(BackofficeForm):
    citta_metropolitana = forms.BooleanField(label=_("Città metropolitana"), required=False)
    comuni = forms.BooleanField(label=_("Comuni"), required=False)
    corpi_intermedi = forms.BooleanField(label=_("Corpi intermedi e altri attori"), required=False)


class ObjectiveForm(ActorsForm):
    title = forms.CharField(label=_("Titolo"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    field_order = ["title"]


class ComponentForm(ActorsForm):
    title = forms.CharField(label=_("Titolo"), max_length=300)
    field_order = ["title"]


class MissionForm(BackofficeForm):
    title = forms.CharField(label=_("Titolo"), max_length=300)
    introduction = forms.CharField(
        label=_("Introduzione"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Paragrafi separati da una riga vuota; **testo** per il grassetto."),
    )


class EditionUploadForm(BackofficeForm):
    file = forms.FileField(label=_("File del piano (YAML)"))
