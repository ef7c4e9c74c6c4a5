"""The conversation engine: knows nothing of HTTP or XML."""
