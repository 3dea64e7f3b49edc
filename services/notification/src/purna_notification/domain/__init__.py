"""Notification rules as plain code: no I/O, no framework imports."""
