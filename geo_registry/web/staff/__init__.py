"""The staff area under /beheer: login, review, edit, coverage, exports and the audit log."""
