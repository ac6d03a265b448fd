"""Print deliverables: ID prints laid out on photo paper as print-ready sheets, and print orders."""
