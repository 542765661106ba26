"""Page routes, one module per kind of user work."""
