"""Database, template and channel adapters of the notification service."""
