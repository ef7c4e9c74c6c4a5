"""The foundation: settings, database, time and logging. Imports no other package of the project."""
