"""The web workspace: FastAPI app factory, server-rendered pages and the JSON API."""

from fanzha.web.app import create_app

__all__ = ["create_app"]
