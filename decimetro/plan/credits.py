"""Credits of the Ente's data: the strategic plan (and the zone omogenee it defines)."""

from __future__ import annotations

from decimetro.core.credits import Credit

# The Ente and its plan, for the places that list it beside another source.
ENTE_PLAN = "Città metropolitana di Milano, Piano strategico metropolitano"
PLAN = Credit(f"Fonte: {ENTE_PLAN}")
