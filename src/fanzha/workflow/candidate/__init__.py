"""Candidate indicators proposed by the models: the analyst review queue."""
