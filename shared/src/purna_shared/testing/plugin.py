"""pytest plugin: fixtures for a real Redis and a real PostgreSQL (filled in below)."""
