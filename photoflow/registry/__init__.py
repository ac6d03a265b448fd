"""Registry submission: packages, the HTTP client, the local simulator, and the submission reconciler."""
