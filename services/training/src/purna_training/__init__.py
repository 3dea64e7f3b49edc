"""Purna training service: programmes, village sessions, enrolment, attendance, completion."""

__version__ = "0.1.0"
