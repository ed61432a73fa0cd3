"""The one way a back-office form is drawn: Bootstrap Italia markup for every field.

Every back-office form derives from `BackofficeForm`. Its renderer draws `{{ form }}` and
`{{ form.field.as_field_group }}` with `backoffice/forms/form.html` and `backoffice/forms/field.html`: a
label above each field (static, never floating over the input: long labels wrap without covering it),
`form-control` inputs, `form-select` selects whose empty choice reads "— scegli —" (not Django's
`---------`), check boxes and radio buttons as Bootstrap Italia's `form-check`, the help text and the error
tied to the input through `aria-describedby`. Django's widgets always write the input's `type`.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy as _

# The empty choice of a select, in place of Django's "---------".
EMPTY_LABEL = _("— scegli —")
DJANGO_EMPTY_LABEL = "---------"

_CONTROL_WIDGETS = (forms.Textarea, forms.FileInput)
_CONTROL_TYPES = {"text", "email", "password", "date", "datetime-local", "search", "number", "url", "tel"}


class BackofficeRenderer(DjangoTemplates):
    """Django's own template renderer (it finds the apps' templates) with the back office's form and field
    templates."""

    form_template_name = "backoffice/forms/form.html"
    field_template_name = "backoffice/forms/field.html"


RENDERER = BackofficeRenderer()


def style_fields(form: forms.BaseForm) -> None:
    """Bootstrap Italia's classes on the widgets and the Italian empty choice on the selects."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.CheckboxInput):
            continue  # drawn as form-check by the field template
        if isinstance(widget, forms.Select):  # also SelectMultiple
            widget.attrs.setdefault("class", "form-select")
            if isinstance(field, forms.ModelChoiceField):
                # (its choices are read from the queryset at render time, which a subclass sets later)
                if field.empty_label == DJANGO_EMPTY_LABEL:
                    field.empty_label = EMPTY_LABEL
            elif isinstance(field, forms.ChoiceField):
                choices: list[tuple[Any, Any]] = list(cast(Any, field).choices)
                if any(value == "" and label == DJANGO_EMPTY_LABEL for value, label in choices):
                    field.choices = [
                        (value, EMPTY_LABEL if value == "" and label == DJANGO_EMPTY_LABEL else label)
                        for value, label in choices
                    ]
        elif isinstance(widget, _CONTROL_WIDGETS) or getattr(widget, "input_type", None) in _CONTROL_TYPES:
            widget.attrs.setdefault("class", "form-control")


class BackofficeForm(forms.Form):
    """A back-office form: drawn by the back office's renderer, styled, and with each invalid field linked to
    its error message (aria-describedby), so a screen reader reads the error with the field. The field
    template writes the message with id "<field id>-error" and the help text with id "<field id>_helptext"."""

    default_renderer = RENDERER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                auto_id = self[name].auto_id
                ids = [f"{auto_id}_helptext"] if self.fields[name].help_text else []
                self.fields[name].widget.attrs["aria-describedby"] = " ".join([*ids, f"{auto_id}-error"])
