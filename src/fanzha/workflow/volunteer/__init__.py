"""Volunteers (蓝马甲) and their teams: the roster, its import and its retention."""
