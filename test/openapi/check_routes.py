#!/usr/bin/env python3
"""The route table and the OpenAPI document name the same routes.

    check_routes.py src/core/routes.def docs/openapi.yaml

Every INVOICE_ROUTE(action, METHOD, "template", ...) must be an operation
of the document (METHOD on the path template), every INVOICE_OPS label
("GET /healthz") too, and the document has no operation the table lacks.
A route of no role must say `security: []`, and the others must not."""
import re
import sys

import yaml

ROUTE = re.compile(r'^INVOICE_ROUTE\(\s*(\w+),\s*(\w+),\s*"([^"]*)",\s*(\w+),')
OPS = re.compile(r'^INVOICE_OPS\(\s*(\w+),\s*"(\w+) ([^"]*)"\)')
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def main():
    table = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            m = ROUTE.match(line)
            if m:
                table[(m.group(2).lower(), m.group(3))] = m.group(4)
                continue
            m = OPS.match(line)
            if m:
                table[(m.group(2).lower(), m.group(3))] = "OPS"
    with open(sys.argv[2], encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    described = {}
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method in METHODS:
                described[(method, path)] = op
    bad = []
    for key, role in sorted(table.items()):
        op = described.get(key)
        if op is None:
            bad.append(f"{key[0].upper()} {key[1]}: in routes.def, not in the document")
            continue
        open_ = op.get("security") == []
        if role in ("NONE", "OPS") and not open_:
            bad.append(f"{key[0].upper()} {key[1]}: no caller, so `security: []`")
        if role not in ("NONE", "OPS") and open_:
            bad.append(f"{key[0].upper()} {key[1]}: a {role} route, not open to anyone")
    for key in sorted(set(described) - set(table)):
        bad.append(f"{key[0].upper()} {key[1]}: in the document, not in routes.def")
    for b in bad:
        print(f"check_routes: {b}", file=sys.stderr)
    if bad:
        sys.exit(1)
    print(f"check_routes: the document and routes.def agree on {len(table)} routes")


if __name__ == "__main__":
    main()
