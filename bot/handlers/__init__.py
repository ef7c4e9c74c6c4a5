"""Handlers per inbound kind, registered by decorator on a router each."""
