"""Retention: personal data purged after the configured period; aggregates and the audit stay."""
