"""API routes of the monitoring app (registered in decimetro/api/main.py)."""

from ninja import Router

router = Router()
