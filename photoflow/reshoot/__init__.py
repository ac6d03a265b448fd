"""Reshoot requests: every rejection sends the student back for a new photo, with reasons and hints."""
