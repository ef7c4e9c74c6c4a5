"""Residents, consent, communities, grids, buildings and staff accounts."""
