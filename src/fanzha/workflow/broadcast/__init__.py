"""Broadcast groups and broadcasts as the desk reads them (station scope, receipts, relays)."""
