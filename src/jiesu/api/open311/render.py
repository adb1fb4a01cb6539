"""Open311 responses as JSON or XML (xml.etree), and the spec's error format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from fastapi.responses import Response

# Child element names for lists inside an element (GeoReport v2 examples).
_ITEM_TAGS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute",
              "values": "value", "services": "service", "service_requests": "request",
              "errors": "error"}
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        tag = _ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """`value` under <root>; a list becomes repeated children (<services><service>...)."""
    element = ET.Element(root)
    _fill(element, value)
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return body


def respond(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, value), status_code=status, media_type=XML_TYPE)
    body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, media_type=JSON_TYPE)


def error(fmt: str, status: int, description: str) -> Response:
    """GeoReport errors: a list of {code, description} with the HTTP status as code."""
    return respond(fmt, "errors", [{"code": status, "description": description}], status)
