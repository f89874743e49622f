"""Chargegrid api layer (see ARCHITECTURE.md)."""
