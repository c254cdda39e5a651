"""Tiered response: which warnings an officer works, which go to robots, which are watched."""
