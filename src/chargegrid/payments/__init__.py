"""Chargegrid payments layer (see ARCHITECTURE.md)."""
