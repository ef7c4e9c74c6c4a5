"""The top wiring: the `hotline` CLI, app assembly, migrations, the model registry, retention. Nothing imports it."""

__version__ = "0.1.0"
