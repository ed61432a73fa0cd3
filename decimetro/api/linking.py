"""API routes of the linking app (registered in decimetro/api/main.py)."""

from ninja import Router

router = Router()
