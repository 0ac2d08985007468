"""The database schema as Alembic revisions, run by geo_registry.db.upgrade (no alembic.ini needed)."""
