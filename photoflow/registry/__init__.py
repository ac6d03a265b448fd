"""Registry submission: packages, the HTTP client and the submission reconciler.

The local simulator the tests and the demo talk to is a stand-in, in `photoflow.sandbox`.
"""
