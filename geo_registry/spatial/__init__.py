"""The register in space: buurten, the in-memory snapshot and its index, coverage, nearby groups, tiles (no Flask)."""
