"""API routes of the participation app (registered in decimetro/api/main.py)."""

from ninja import Router

router = Router()
