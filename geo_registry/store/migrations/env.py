"""Alembic's environment: migrate on the connection geo_registry.store.db.upgrade hands over, inside its
transaction and under its lock (see db.py); this file is not meant for the alembic command line."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():  # the caller's transaction is open, so Alembic neither begins nor commits
    context.run_migrations()
