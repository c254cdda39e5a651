"""Publicity campaigns, their events, fixed publicity points and what events found."""
