"""Storage: the database engine, its tables, the Alembic migrations and the copy between databases (no Flask)."""
