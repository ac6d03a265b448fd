"""Deliverable workbooks and export jobs: the records an institution takes away, as Excel."""
