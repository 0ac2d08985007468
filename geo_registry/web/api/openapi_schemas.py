"""The schemas, headers and parameters of the OpenAPI 3.0 document (3.0 dialect: nullable, enum; no type
arrays, const or null types, which are 3.1)."""

from __future__ import annotations

from geo_registry.spatial.features import DEFAULT_LIMIT, MAX_LIMIT


def nullable(schema: dict) -> dict:
    """The schema, also allowing null (written out: in 3.0 nullable does not reach through a $ref)."""
    return {**schema, "nullable": True}


ADDRESS = {
    "type": "object",
    "required": ["weergavenaam", "straat", "huisnummer", "postcode", "woonplaats", "lat", "lon"],
    "properties": {
        "weergavenaam": {"type": "string"},
        "straat": {"type": "string"},
        "huisnummer": {"type": "integer"},
        "huisletter": {"type": "string", "nullable": True},
        "toevoeging": {"type": "string", "nullable": True},
        "postcode": {"type": "string"},
        "woonplaats": {"type": "string"},
        "lat": {"type": "number"},
        "lon": {"type": "number"},
    },
}
WIJK_REF = {
    "type": "object",
    "required": ["code", "name"],
    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
}
GROUP_REF = {
    "type": "object",
    "required": ["id", "name", "is_example"],
    "additionalProperties": False,
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "is_example": {"type": "boolean"}},
}
NEARBY_GROUP = {
    "type": "object",
    "required": ["id", "name", "is_example", "distance_m"],
    "additionalProperties": False,
    "description": "An active group whose area does not cover the point, within 1 km of it",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "is_example": {"type": "boolean"},
        "distance_m": {
            "type": "integer",
            "minimum": 0,
            "description": "Metres from the point to the group's area, in RD New",
        },
    },
}
LOOKUP = {
    "type": "object",
    "required": ["point", "in_gemeente", "gemeentecode", "wijk", "wijken", "groups", "address", "nearby_groups"],
    "additionalProperties": False,
    "properties": {
        "point": {
            "type": "object",
            "required": ["lat", "lon"],
            "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
        },
        "in_gemeente": {"type": "boolean"},
        "gemeentecode": {
            "type": "string",
            "nullable": True,
            "pattern": "^GM[0-9]{4}$",
            "description": "CBS code of the served municipality the point lies in (GM0417 is "
            "Laren); null outside every served municipality",
        },
        "wijk": nullable(WIJK_REF),
        "wijken": {"type": "array", "items": {"$ref": "#/components/schemas/WijkRef"}},
        "groups": {"type": "array", "items": {"$ref": "#/components/schemas/GroupRef"}},
        "address": nullable(ADDRESS),
        "nearby_groups": {
            "type": "array",
            "maxItems": 3,
            "description": "Where no group covers the point: up to 3 groups within 1 km, nearest first",
            "items": {"$ref": "#/components/schemas/NearbyGroup"},
        },
    },
}
PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "description": "RFC 9457 problem details; code, field and candidates are this API's extensions.",
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "example": "about:blank"},
        "title": {"type": "string", "description": "The HTTP status phrase", "example": "Bad Request"},
        "status": {"type": "integer", "example": 400},
        "detail": {"type": "string", "description": "What went wrong, in the request's language (nl or en)"},
        "code": {"type": "string", "description": "Machine-readable reason, e.g. bad_input, not_found, ambiguous"},
        "field": {"type": "string", "description": "The query parameter at fault"},
        "candidates": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Address"},
            "description": "With code ambiguous: the addresses to choose from",
        },
    },
}
LINK = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {
        "href": {"type": "string"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
        "title": {"type": "string"},
    },
}
LINKS = {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}
FEATURE = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "geometry": {"type": "object"},
        "properties": {"type": "object"},
        "links": LINKS,
    },
}
FEATURES = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
        "links": LINKS,
    },
}
COLLECTION = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "itemType": {"type": "string"},
        "crs": {"type": "array", "items": {"type": "string"}},
        "extent": {
            "type": "object",
            "properties": {
                "spatial": {
                    "type": "object",
                    "properties": {
                        "bbox": {
                            "type": "array",
                            "items": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                        },
                        "crs": {"type": "string"},
                    },
                }
            },
        },
        "links": LINKS,
    },
}
SCHEMAS = {
    "Problem": PROBLEM,
    "Address": ADDRESS,
    "WijkRef": WIJK_REF,
    "Lookup": LOOKUP,
    "GroupRef": GROUP_REF,
    "NearbyGroup": NEARBY_GROUP,
    "Link": LINK,
    "Feature": FEATURE,
    "FeatureCollection": FEATURES,
    "Collection": COLLECTION,
    "Collections": {
        "type": "object",
        "required": ["links", "collections"],
        "properties": {
            "links": LINKS,
            "collections": {"type": "array", "items": {"$ref": "#/components/schemas/Collection"}},
        },
    },
    "LandingPage": {
        "type": "object",
        "required": ["links"],
        "properties": {"title": {"type": "string"}, "description": {"type": "string"}, "links": LINKS},
    },
    "Conformance": {
        "type": "object",
        "required": ["conformsTo"],
        "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
    },
}
HEADERS = {
    "API-Version": {
        "description": "The full (semantic) version of the API",
        "required": True,
        "schema": {"type": "string", "example": "1.0.0"},
    },
    "ETag": {"description": "The register's version; send it back as If-None-Match", "schema": {"type": "string"}},
}
PARAMETERS = {
    "collectionId": {
        "name": "collectionId",
        "in": "path",
        "required": True,
        "description": "The collection",
        "schema": {"type": "string", "enum": ["groups", "buurten"]},
    },
    "featureId": {
        "name": "featureId",
        "in": "path",
        "required": True,
        "description": "A feature's id: a group's number or a buurt's CBS code",
        "schema": {"type": "string"},
    },
    "bbox": {
        "name": "bbox",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": "Only features that intersect this box: west,south,east,north in longitude/latitude (CRS84)",
        "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        "example": [5.22, 52.25, 5.24, 52.26],
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": f"At most this many features per page (larger values count as {MAX_LIMIT})",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    "offset": {
        "name": "offset",
        "in": "query",
        "required": False,
        "description": "Skip this many features (the next link sets it)",
        "schema": {"type": "integer", "minimum": 0, "default": 0},
    },
    "datetime": {
        "name": "datetime",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": "Accepted as OGC API Features asks; the features have no time, so all match",
        "schema": {"type": "string"},
    },
    "f": {
        "name": "f",
        "in": "query",
        "required": False,
        "description": "The encoding: GeoJSON, the only one",
        "schema": {"type": "string", "enum": ["json", "geojson"], "default": "json"},
    },
    "ifNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "An ETag from an earlier answer: 304 Not Modified while the register is unchanged",
        "schema": {"type": "string"},
    },
}
