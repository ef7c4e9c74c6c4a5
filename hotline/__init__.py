"""Core of the community service hotline: settings, database, logging and the CLI."""

__version__ = "0.1.0"
