"""Warnings: one per resident and episode, graded and explained."""
