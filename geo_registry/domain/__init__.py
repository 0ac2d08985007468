"""The register's rules: groups, staff, actions with their audit entry and mail, renewal, tokens, checks (no Flask)."""
