"""JSON Schemas written from the Open311 GeoReport v2 specification (wiki.open311.org)."""

from __future__ import annotations

_STR = {"type": ["string", "null"]}
_W3C = {"type": "string",
        "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": _W3C, "contact": {"type": "string"}, "key_service": {"type": "string"},
        "endpoints": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["specification", "url", "changeset", "type", "formats"],
            "properties": {
                "specification": {"type": "string"}, "url": {"type": "string"},
                "changeset": _W3C, "type": {"enum": ["production", "test"]},
                "formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]}},
            }}},
    },
}

SERVICE_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type",
                     "keywords", "group"],
        "additionalProperties": False,
        "properties": {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string", "minLength": 1},
            "description": _STR, "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": _STR, "group": _STR,
        },
    },
}

SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {"type": "array", "items": {
            "type": "object",
            "required": ["variable", "code", "datatype", "required", "order", "description"],
            "properties": {
                "variable": {"type": "boolean"}, "code": {"type": "string"},
                "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist",
                                      "multivaluelist"]},
                "required": {"type": "boolean"}, "datatype_description": _STR,
                "order": {"type": "integer"}, "description": {"type": "string"},
                "values": {"type": "array", "items": {
                    "type": "object", "required": ["key", "name"],
                    "properties": {"key": {"type": "string"}, "name": {"type": "string"}}}},
            }}},
    },
}

SERVICE_REQUESTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "status", "service_name", "service_code",
                     "requested_datetime", "updated_datetime"],
        "additionalProperties": False,
        "properties": {
            "service_request_id": {"type": "string", "minLength": 1},
            "status": {"enum": ["open", "closed"]}, "status_notes": _STR,
            "service_name": _STR, "service_code": _STR,
            "description": {"type": ["string", "null"], "maxLength": 4000},
            "agency_responsible": _STR, "service_notice": _STR,
            "requested_datetime": _W3C, "updated_datetime": _W3C,
            "expected_datetime": {"anyOf": [_W3C, {"type": "null"}]},
            "address": _STR, "address_id": _STR, "zipcode": _STR,
            "lat": {"type": ["number", "null"]}, "long": {"type": ["number", "null"]},
            "media_url": _STR,
        },
    },
}

POST_RESPONSE = {
    "type": "array", "minItems": 1, "maxItems": 1,
    "items": {
        "type": "object",
        "required": ["service_request_id"],
        "properties": {"service_request_id": {"type": "string"}, "service_notice": _STR,
                       "account_id": _STR},
        "not": {"required": ["token"]},
    },
}

ERRORS = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
}

# XML: root element, repeated child element, and the schema its children follow.
XML_SHAPES = {
    "services": ("services", "service", SERVICE_LIST),
    "requests": ("service_requests", "request", SERVICE_REQUESTS),
    "errors": ("errors", "error", ERRORS),
}
