"""Placeholder for the payments_api face (filled in by its own issue)."""

from fastapi import APIRouter

router = APIRouter()
