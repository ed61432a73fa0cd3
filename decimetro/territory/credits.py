"""Credits of the territory's data (printed by pages, API, maps and exports: see `core.credits`)."""

from __future__ import annotations

from decimetro.core.credits import CC_BY_4, Credit

# Comuni, codes, resident population and area.
ISTAT = Credit("Fonte: ISTAT", CC_BY_4)
# The comuni's boundaries, as redistributed by openpolis.
BOUNDARIES = Credit("© ISTAT, elaborazione openpolis", CC_BY_4)
