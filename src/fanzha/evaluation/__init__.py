"""Evaluation: warnings measured against the simulator's ground truth."""
