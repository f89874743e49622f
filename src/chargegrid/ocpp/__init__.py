"""Chargegrid ocpp layer (see ARCHITECTURE.md)."""
