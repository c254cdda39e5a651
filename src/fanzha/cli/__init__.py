"""The command line (Typer). One module per command group; each exposes ``register(app)``."""
