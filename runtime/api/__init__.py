"""The councils' JSON API for their own systems, mounted at /staff/api/v1."""
