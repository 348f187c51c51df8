"""The error answers every API operation can give, written into the OpenAPI schema once
(a drf-spectacular postprocessing hook) instead of on every view: 400 with field-level
messages where the operation takes input, 401 without a valid token, 403 when the account
may not do it, 404 for an unknown id in the path, 429 when a token is over its rate limit.
A view that documents one of these itself keeps its description; the body's shape is added
where it is missing, so clients (and the schema tests) know what an error looks like.
"""

DETAIL = {"$ref": "#/components/schemas/ErrorDetail"}
FIELD_ERRORS = {"$ref": "#/components/schemas/FieldErrors"}

COMPONENTS = {
    "ErrorDetail": {
        "type": "object",
        "description": "What went wrong, in one sentence.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": "Messages per field (`non_field_errors` for the whole input); nested for nested objects.",
        "additionalProperties": True,
    },
}

DESCRIPTIONS = {
    400: "Invalid input: messages per field.",
    401: "Missing or invalid token.",
    403: "This token or account may not do this.",
    404: "Nothing with that id.",
    429: "Too many requests from this token: wait `Retry-After` seconds.",
}


def _errors_for(path: str, operation: dict) -> dict[int, dict]:
    wanted = {401: DETAIL, 403: DETAIL, 429: DETAIL}
    if operation.get("parameters") or operation.get("requestBody"):
        wanted[400] = FIELD_ERRORS
    if "{" in path:
        wanted[404] = DETAIL
    return wanted


# A required text field of DRF trims spaces, then refuses a blank value: " " is not valid.
NOT_BLANK = r"\S"


def _not_blank(schema: dict) -> None:
    """Say "at least one non-space character" where the schema says only minLength 1."""
    if not isinstance(schema, dict):
        return
    plain = not ({"pattern", "format", "enum"} & schema.keys())
    if schema.get("type") == "string" and schema.get("minLength") == 1 and plain:
        schema["pattern"] = NOT_BLANK
    for value in schema.get("properties", {}).values():
        _not_blank(value)
    if isinstance(schema.get("items"), dict):
        _not_blank(schema["items"])


def document_error_responses(result: dict, generator, request, public) -> dict:
    """Add the common error answers (with their bodies) to every /api/v1/ operation, and
    state in the request schemas that required text may not be blank."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        if name.endswith("Request"):
            _not_blank(schema)
    schemas.update(COMPONENTS)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _not_blank(parameter.get("schema"))
            responses = operation.setdefault("responses", {})
            for status, schema in _errors_for(path, operation).items():
                answer = responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
                answer.setdefault("content", {"application/json": {"schema": schema}})
    return result
