"""Detection: signals from events, rules as data, scoring into graded warnings, models."""
