"""Password validators with Italian messages (Django 5.2's minimum-length message lacks an Italian one)."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "La password è troppo corta: deve contenere almeno %(n)d carattere.",
            "La password è troppo corta: deve contenere almeno %(n)d caratteri.",
            self.min_length,
        ) % {"n": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "La password deve contenere almeno %(n)d carattere.",
            "La password deve contenere almeno %(n)d caratteri.",
            self.min_length,
        ) % {"n": self.min_length}
