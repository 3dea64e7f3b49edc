"""Processes of the notification service: the worker and a small read API."""
