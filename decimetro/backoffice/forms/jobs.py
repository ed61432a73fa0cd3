"""Form of the PNRR upload (the import itself runs in a task: `pnrr.tasks`)."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from decimetro.backoffice.forms.base import BackofficeForm

# A national projects file is some 150 MB uncompressed; more than this is not an Italia Domani file.
MAX_UPLOAD_BYTES = 1024 * 1024 * 1024


class PnrrUploadForm(BackofficeForm):
    file = forms.FileField(
        label=_("File open data PNRR"),
        help_text=_("Un file .csv o .csv.gz di Italia Domani: il tipo è riconosciuto dall'intestazione."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.gz"}),
    )
    skip_invalid = forms.BooleanField(
        label=_("Importa le righe valide e scarta le altre"),
        help_text=_(
            "Senza questa scelta una sola riga non valida fa rifiutare il file (nulla viene scritto). "
            "Le righe scartate si scaricano in CSV con riga, colonna e motivo."
        ),
        required=False,
    )

    def clean_file(self) -> UploadedFile:
        f: UploadedFile = self.cleaned_data["file"]
        name = (f.name or "").lower()
        if not (name.endswith(".csv") or name.endswith(".csv.gz")):
            raise forms.ValidationError(_("Formato non supportato: sono attesi file .csv o .csv.gz."))
        if f.size is not None and f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("File troppo grande (al massimo 1 GB)."))
        if not f.size:
            raise forms.ValidationError(_("Il file è vuoto."))
        return f
