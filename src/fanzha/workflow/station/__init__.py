"""Police stations (派出所) and the communities of their jurisdiction."""
