"""Prefect tasks: thin wrappers (retries, logging, run ids) around domain calls in `photoflow`."""
