"""The rules, as data: roster columns and their Great Expectations suite; later the photo spec."""
