"""The PNRR app's one signal: new PNRR data were imported (a command or an upload wrote at least one file).

Why a signal: what follows an import (the suggestions of the links between projects and objectives, in
`linking`) lives in an app above `pnrr` in the layers, so `pnrr` cannot call it. The `pnrr_import` command
and the upload task (`pnrr.tasks`) send it once after their files; `linking` connects its receiver in its
`AppConfig.ready()` and enqueues the suggestions' refresh when the transaction commits.

Arguments: `files` — the names of the files written (status ok or partial).
"""

from __future__ import annotations

from django.dispatch import Signal

imports_done = Signal()
