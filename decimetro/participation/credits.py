"""Credits of the participation data: the comuni's DUP, as the comuni themselves registered them."""

from __future__ import annotations

from decimetro.core.credits import Credit
from decimetro.plan.credits import PLAN

DUP_REGISTERED = "DUP dei Comuni come registrati in Decimetro dai Comuni stessi"
# The DUP alignment: the plan's objectives beside the comuni's DUP.
DUP = Credit(f"{PLAN}; {DUP_REGISTERED}")
