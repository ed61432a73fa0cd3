"""The demo accounts of development (`manage.py demo_users`): one per persona, passwords printed in the log.

Kept here, not in the command, because the production check (`core.checks`) must know their usernames too.
"""

from __future__ import annotations

from decimetro.core.models import Role

DEMO_BODY = "Associazione Imprese Metropolitane (demo)"

# username, organisation ("ente", a codice ISTAT, or "body"), role
DEMO_USERS = [
    ("admin.ente", "ente", Role.ADMIN),
    ("redattore.ente", "ente", Role.EDITOR),
    ("lettore.ente", "ente", Role.VIEWER),
    ("redattore.milano", "015146", Role.EDITOR),
    ("redattore.rho", "015182", Role.EDITOR),
    ("associazione", "body", Role.EDITOR),
]

DEMO_USERNAMES = tuple(username for username, _where, _role in DEMO_USERS)
