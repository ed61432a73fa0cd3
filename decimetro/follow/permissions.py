"""The follow app's permissions (loaded by `FollowConfig.ready`).

| permission  | who                     |
| ----------- | ----------------------- |
| follow.own  | any active user (follows with the address of the account, from the desk) |
"""

from __future__ import annotations

from decimetro.core.permissions import add_perm, is_active_user

add_perm(
    "follow.own",
    is_active_user,
    refused="Per seguire con il proprio account occorre accedere con un account attivo.",
)
