"""Chargegrid ui layer (see ARCHITECTURE.md)."""
