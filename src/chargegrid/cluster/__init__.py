"""Chargegrid cluster layer (see ARCHITECTURE.md)."""
