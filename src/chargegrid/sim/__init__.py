"""Chargegrid sim layer (see ARCHITECTURE.md)."""
