"""Stand-ins for the outside world (an SMS/WhatsApp gateway) for tests, benchmarks and
development; never used by the service itself."""
