"""Test harness: real Redis and PostgreSQL for integration tests (see ``plugin``)."""
