#!/usr/bin/env python3
"""docs/openapi.yaml -> the C include the module serves (build time).

    openapi_inc.py DOC.yaml OUT.inc [OUT.json [VERSION]]

The document as compact JSON, split around the value of servers[0].url
(the module writes the request's mount there), as two C string literals
invoice_openapi_head / invoice_openapi_tail, and INVOICE_OPENAPI_SHA256
(the SHA-256 of the JSON with the placeholder: the document's version for
its ETag).  OUT.json, when given, is the JSON with the YAML's own url.
info.version is the contents of the file VERSION, when given (the one
version number of the module).
YAML timestamps stay strings (JSON has no dates)."""
import hashlib
import json
import os
import sys

import yaml

PLACEHOLDER = "@@INVOICE_MOUNT@@"


class Loader(yaml.SafeLoader):
    pass


# 2026-12-31 in an example stays the string it is in the document.
Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def c_literal(text):
    out, line = [], []
    for ch in text:
        if ch == "\\":
            line.append("\\\\")
        elif ch == '"':
            line.append('\\"')
        elif ch == "?":
            line.append("\\?")          # no trigraphs
        elif " " <= ch <= "~":
            line.append(ch)
        else:
            raise SystemExit("openapi_inc: non-ASCII left in the JSON")
        if len(line) >= 96:
            out.append('"' + "".join(line) + '"')
            line = []
    out.append('"' + "".join(line) + '"')
    return "\n    ".join(out)


def main():
    src, inc = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        doc = yaml.load(f, Loader=Loader)
    if not str(doc.get("openapi", "")).startswith("3.1"):
        raise SystemExit(f"{src}: not an OpenAPI 3.1 document")
    if len(sys.argv) > 4:
        with open(sys.argv[4], encoding="ascii") as f:
            doc["info"]["version"] = f.read().strip()
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
    doc["servers"][0]["url"] = PLACEHOLDER
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=True)
    quoted = json.dumps(PLACEHOLDER)
    if text.count(quoted) != 1:
        raise SystemExit(f"{src}: the text {PLACEHOLDER} must not appear in it")
    head, tail = text.split(quoted)
    digest = hashlib.sha256(text.encode()).hexdigest()
    with open(inc + ".tmp", "w", encoding="ascii") as f:
        f.write(f"/* Generated from {src} by test/openapi/openapi_inc.py: do not edit. */\n")
        f.write(f'#define INVOICE_OPENAPI_SHA256 "{digest}"\n')
        f.write(f"static const char invoice_openapi_head[] =\n    {c_literal(head)};\n")
        f.write(f"static const char invoice_openapi_tail[] =\n    {c_literal(tail)};\n")
    os.replace(inc + ".tmp", inc)


if __name__ == "__main__":
    main()
