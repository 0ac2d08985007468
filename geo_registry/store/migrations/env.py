"""Alembic's environment: migrate on the connection geo_registry.store.db.upgrade hands over, inside its
transaction and under its lock (see db.py); this file is not meant for the alembic command line. The declared
tables (store/tables.py) are the target, compared as store/drift.py compares them."""

from alembic import context

from geo_registry.store.drift import comparison_options

connection = context.config.attributes["connection"]
context.configure(connection=connection, **comparison_options(connection.dialect.name))
with context.begin_transaction():  # the caller's transaction is open, so Alembic neither begins nor commits
    context.run_migrations()
