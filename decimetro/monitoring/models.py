"""Indicators, targets, values and status of the plan's objectives (filled in by the monitoring work)."""
