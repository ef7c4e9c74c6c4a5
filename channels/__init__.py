"""Channels residents and members reach the service through; each is one package."""
