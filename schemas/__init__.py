"""The nouns: SQLModel tables, enums with Chinese and English labels, I/O models, the database engine."""
