"""Reliable messaging over Redis Streams: outbox, inbox-guarded consumers, dead letters."""
