"""Accounts for the web app: password rules and hashing, users and roles, logins with rate limiting."""
