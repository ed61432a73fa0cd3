"""Credits of the PNRR open data (printed by pages, API, charts, maps and exports: see `core.credits`)."""

from __future__ import annotations

from decimetro.core.credits import CC_BY_4, Credit

# The publisher, for the places that name it without the data set.
ITALIA_DOMANI = "Fonte: Italia Domani"
# Projects, places, payments, financial frame (the credit as Italia Domani spells it, with an en dash).
PNRR = Credit(f"{ITALIA_DOMANI} – dati di attuazione del PNRR (ReGiS)", CC_BY_4)  # noqa: RUF001
MILESTONES = Credit(f"{ITALIA_DOMANI} – milestone e target del PNRR", CC_BY_4)  # noqa: RUF001
