from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from decimetro.public.rows import project_rows as _project_rows

register = template.Library()


@register.simple_tag
def project_rows(projects: Any, progress_columns: Any = False) -> SafeString:
    """The rows of `public/pnrr/_project_rows.html`, written by `decimetro.public.rows.project_rows`."""
    return _project_rows(projects, progress_columns=bool(progress_columns))
