"""Placeholder for the management UI (filled in by its own issue)."""

from fastapi import APIRouter

router = APIRouter()
