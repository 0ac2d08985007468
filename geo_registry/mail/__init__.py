"""E-mail: the queue in the database, delivery over SMTP or to the outbox folder, and composition (no Flask)."""
