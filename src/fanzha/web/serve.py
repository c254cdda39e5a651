"""The ASGI entry point used by ``fanzha serve`` (``uvicorn --factory``)."""

from __future__ import annotations

from fastapi import FastAPI

from fanzha.settings import get_settings
from fanzha.web.app import create_app


def app_from_env() -> FastAPI:
    """The desk app configured from ``FANZHA_*`` settings."""
    return create_app(get_settings())
