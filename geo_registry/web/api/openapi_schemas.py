"""The schemas, headers and parameters of the OpenAPI 3.0 document (3.0 dialect: nullable, enum; no type
arrays, const or null types, which are 3.1)."""

from __future__ import annotations

from geo_registry.spatial import public
from geo_registry.spatial.crs import STORAGE_CRS, URIS
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
NEARBY_DISTANCE = {
    "type": "integer",
    "minimum": 0,
    "description": "Metres from the point to the group's area, in RD New",
}


def nearby_group() -> dict:
    """A group near a point: the reference of a group (spatial.public) with its distance."""
    schema = public.object_schema(
        public.GROUP_FIELDS,
        reference=True,
        description="An active group whose area does not cover the point, within 1 km of it",
    )
    schema["required"].append("distance_m")
    schema["properties"]["distance_m"] = NEARBY_DISTANCE
    return schema


def lookup() -> dict:
    """The answer to a lookup (spatial.lookup_answer.LookupAnswer.to_public)."""
    return {
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
            "wijk": nullable(public.object_schema(public.BUURT_FIELDS, reference=True)),
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


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def feature(properties: dict, id_schema: dict) -> dict:
    """A GeoJSON Feature whose properties follow the given schema."""
    return {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": id_schema,
            "geometry": {"type": "object"},
            "properties": properties,
            "links": LINKS,
        },
    }


def feature_collection(feature_schema: str) -> dict:
    """A GeoJSON FeatureCollection of the named feature schema (with OGC's counts and links on an items page)."""
    return {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": _ref(feature_schema)},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": {"type": "string", "format": "date-time", "description": "When the answer was made"},
            "links": LINKS,
        },
    }


def feature_schemas() -> dict[str, dict]:
    """A group's and a buurt's Feature and FeatureCollection, their properties from spatial.public; Feature and
    FeatureCollection (the OGC items of either collection) hold one or the other."""
    group_id, buurt_id = {"type": "integer"}, {"type": "string"}
    return {
        "GroupFeature": feature(_ref("GroupProperties"), group_id),
        "BuurtFeature": feature(_ref("BuurtProperties"), buurt_id),
        "Feature": feature(
            {"oneOf": [_ref("GroupProperties"), _ref("BuurtProperties")]}, {"oneOf": [buurt_id, group_id]}
        ),
        "GroupFeatureCollection": feature_collection("GroupFeature"),
        "BuurtFeatureCollection": feature_collection("BuurtFeature"),
        "FeatureCollection": feature_collection("Feature"),
    }


COLLECTION = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "itemType": {"type": "string"},
        "crs": {
            "type": "array",
            "items": {"type": "string", "format": "uri"},
            "description": "The CRSs the features can be asked in (crs parameter), the first the default",
        },
        "storageCrs": {"type": "string", "format": "uri", "description": "The CRS the register keeps them in"},
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


def schemas() -> dict[str, dict]:
    """The document's component schemas; a group's and a buurt's made from the fields of spatial.public."""
    return {
        **public.schemas(),
        **feature_schemas(),
        "Problem": PROBLEM,
        "Address": ADDRESS,
        "Lookup": lookup(),
        "NearbyGroup": nearby_group(),
        "Link": LINK,
        "Collection": COLLECTION,
        "Collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": LINKS,
                "crs": {"type": "array", "items": {"type": "string", "format": "uri"}},
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
            "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}, "links": LINKS},
        },
    }


HEADERS = {
    "API-Version": {
        "description": "The full (semantic) version of the API",
        "required": True,
        "schema": {"type": "string", "example": "1.0.0"},
    },
    "ETag": {"description": "The register's version; send it back as If-None-Match", "schema": {"type": "string"}},
    "Content-Crs": {
        "description": "The CRS of the coordinates in the answer, its URI in angle brackets (OGC API Features Part 2)",
        "required": True,
        "schema": {"type": "string", "enum": [f"<{uri}>" for uri in URIS]},
    },
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
        "description": "Only features that intersect this box: west,south,east,north in longitude/latitude (CRS84), "
        "or the lower and upper corner in the axis order of bbox-crs. One value with commas "
        "(bbox=5.22,52.25,5.24,52.26), or each number as its own bbox (bbox=5.22&bbox=52.25&..., as some generated "
        "clients send an array); 4 or 6 numbers",
        "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        "example": [5.22, 52.25, 5.24, 52.26],
    },
    "crs": {
        "name": "crs",
        "in": "query",
        "required": False,
        "description": "The CRS of the coordinates in the answer, each in its own axis order: RD New (EPSG:28992) is "
        "x, y in metres; ETRS89 (EPSG:4258) and WGS 84 by EPSG URI (EPSG:4326) are latitude, longitude; CRS84 "
        "(the default) is longitude, latitude",
        "schema": {"type": "string", "format": "uri", "enum": URIS, "default": STORAGE_CRS},
        "example": URIS[1],
    },
    "bbox-crs": {
        "name": "bbox-crs",
        "in": "query",
        "required": False,
        "description": "The CRS of the bbox's coordinates, in that CRS's axis order (default CRS84)",
        "schema": {"type": "string", "format": "uri", "enum": URIS, "default": STORAGE_CRS},
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": f"At most this many features per page; a larger value counts as {MAX_LIMIT} (the "
        "answer's numberReturned and next link say so), as OGC API Features allows",
        "schema": {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
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
        "description": "An RFC 3339 time, or an interval of two ('..' or nothing for an open end, the start not "
        "after the end), as OGC API Features asks; the features have no time, so all match a valid one",
        "schema": {"type": "string", "minLength": 1},
        "example": "2026-01-01T00:00:00Z/..",
    },
    "f": {
        "name": "f",
        "in": "query",
        "required": False,
        "description": "The encoding: GeoJSON (json or geojson) or a web page (html); without f, the Accept header "
        "chooses (text/html gives the page)",
        "schema": {"type": "string", "enum": ["json", "geojson", "html"]},
    },
    "fDocument": {
        "name": "f",
        "in": "query",
        "required": False,
        "description": "The encoding: JSON or a web page (html); without f, the Accept header chooses (text/html "
        "gives the page)",
        "schema": {"type": "string", "enum": ["json", "html"]},
    },
    "lang": {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": "The language of error messages and web pages (without it, Accept-Language chooses)",
        "schema": {"type": "string", "enum": ["nl", "en"]},
    },
    "ifNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "An ETag from an earlier answer: 304 Not Modified while the register is unchanged",
        "schema": {"type": "string"},
    },
}
