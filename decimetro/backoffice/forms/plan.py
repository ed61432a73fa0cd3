from django import forms
from django.utils.translation import gettext_lazy as _


class DescribedErrorsMixin(forms.Form):
    """Links each invalid field to its error message (aria-describedby), so a screen reader reads the error
    with the field. The template renders the message with id "<field id>-error"."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                auto_id = self[name].auto_id
                ids = [f"{auto_id}_helptext"] if self.fields[name].help_text else []
                self.fields[name].widget.attrs["aria-describedby"] = " ".join([*ids, f"{auto_id}-error"])


class ActorsForm(DescribedErrorsMixin):
    citta_metropolitana = forms.BooleanField(label=_("Città metropolitana"), required=False)
    comuni = forms.BooleanField(label=_("Comuni"), required=False)
    corpi_intermedi = forms.BooleanField(label=_("Corpi intermedi e altri attori"), required=False)


class ObjectiveForm(ActorsForm):
    title = forms.CharField(label=_("Titolo"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    field_order = ["title"]


class ComponentForm(ActorsForm):
    title = forms.CharField(label=_("Titolo"), max_length=300)
    field_order = ["title"]


class MissionForm(DescribedErrorsMixin):
    title = forms.CharField(label=_("Titolo"), max_length=300)
    introduction = forms.CharField(
        label=_("Introduzione"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Paragrafi separati da una riga vuota; **testo** per il grassetto."),
    )
