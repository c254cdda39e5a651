"""Fanzha (反诈): early warning and dissuasion for city and county anti-fraud centres.

Data flows one way: ingest -> store -> detection -> workflow -> notify/report;
the web app and the CLI sit at the edges.
"""

__version__ = "0.1.0"
