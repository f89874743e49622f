"""Chargegrid domain layer (see ARCHITECTURE.md)."""
