"""Outcomes (反馈): the structured result of handling a warning."""
