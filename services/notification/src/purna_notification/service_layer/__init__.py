"""Use cases of the notification service: one function per event, and the dispatcher."""
