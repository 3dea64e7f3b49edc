"""Training's processes: the HTTP API and the worker (event consumers and outbox relay)."""
