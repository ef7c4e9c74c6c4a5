"""HTTP edge only: app factory, routers, dependencies, auth."""
