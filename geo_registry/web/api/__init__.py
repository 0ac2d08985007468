"""The JSON API under /api/v1: lookup, GeoJSON, OGC API Features and the OpenAPI document."""
