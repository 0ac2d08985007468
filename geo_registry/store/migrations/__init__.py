"""The database schema as Alembic revisions, run by geo_registry.store.db.upgrade (no alembic.ini needed)."""
