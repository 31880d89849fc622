"""Serves the API description (webapp/api/openapi.py) at /api/v1/openapi.json."""
