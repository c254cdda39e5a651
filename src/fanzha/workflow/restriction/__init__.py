"""Protective stop-payments on a warned person's own cards: restriction, lift, appeal."""
