"""Adaptive Card builders: pure functions from casework views to card JSON (schema 1.5, what Teams renders)."""
