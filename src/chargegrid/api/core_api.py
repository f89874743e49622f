"""Placeholder for the core_api face (filled in by its own issue)."""

from fastapi import APIRouter

router = APIRouter()
