"""Placeholder for the operator_api face (filled in by its own issue)."""

from fastapi import APIRouter

router = APIRouter()
