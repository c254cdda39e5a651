"""Scam-text scoring: the pluggable interface and its implementations."""
