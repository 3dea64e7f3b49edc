"""Purna notification: SMS, WhatsApp and e-mail to participants in Bahasa Indonesia, each
message sent exactly once per cause event, recipient and template."""

__version__ = "0.1.0"
