"""Desk users (with roles) and partners' API keys."""
