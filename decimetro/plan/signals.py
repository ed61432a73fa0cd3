"""The plan's one signal: an edition was published and its objectives replace the previous edition's.

Why a signal: the rows that point to objectives (project links and crosswalk rules in `linking`, indicators in
`monitoring`, DUP references and consultations in `participation`) live in apps above `plan` in the layers, so
`plan` cannot move them itself. `plan.services.edition_publish` sends this signal inside its transaction; each
app connects its `<app>_remap_objectives` receiver in its `AppConfig.ready()`. Receivers are called with
`send` (not `send_robust`): an error in any of them rolls the whole publication back.

Arguments: `mapping` — {old objective id: new objective id}, only the mapped objectives; `by` — the user."""

from __future__ import annotations

from django.dispatch import Signal

edition_published = Signal()
