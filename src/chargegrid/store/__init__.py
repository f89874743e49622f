"""Chargegrid store layer (see ARCHITECTURE.md)."""
