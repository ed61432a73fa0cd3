from django import forms
from django.utils.translation import gettext_lazy as _


class ActorsForm(forms.Form):
    citta_metropolitana = forms.BooleanField(label=_("Città metropolitana"), required=False)
    comuni = forms.BooleanField(label=_("Comuni"), required=False)
    corpi_intermedi = forms.BooleanField(label=_("Corpi intermedi e altri attori"), required=False)


class ObjectiveForm(ActorsForm):
    title = forms.CharField(label=_("Titolo"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    field_order = ["title"]


class ComponentForm(ActorsForm):
    title = forms.CharField(label=_("Titolo"), max_length=300)
    field_order = ["title"]


class MissionForm(forms.Form):
    title = forms.CharField(label=_("Titolo"), max_length=300)
    introduction = forms.CharField(label=_("Introduzione"), widget=forms.Textarea(attrs={"rows": 8}))
