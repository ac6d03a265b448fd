"""Notices to students: composed into the outbox with the change that causes them, delivered over SMTP."""
