#!/usr/bin/env python3
"""Every response the integration suite received, checked against the
OpenAPI document.

    validate.py docs/openapi.yaml EXCHANGES.jsonl [MOUNT[,MOUNT...]]

EXCHANGES.jsonl is what test/integration/http.c writes when IT_OPENAPI_LOG
is set: one exchange a line.  MOUNT (default /api) is where the suite's API
is mounted (several, comma-separated, when the suite uses several).  For each exchange the request is matched to its operation
(path template below the mount, or at the site's root for the operations
endpoints, whose path items have their own servers; HEAD is GET without a
body), then:
  - the status must be one the operation declares;
  - every header the response declares as required must be there, and
    every declared header that is there must match its schema;
  - the Content-Type must be one the response declares (no body when it
    declares none), and a JSON body must match the schema of its type
    (Draft 2020-12, the document's dialect); a problem's status member
    must be the response's status.
Paths are matched as httpd routes them (percent-decoded, dot segments
removed).  A request that names no operation (a path below the mount that
is no route, or a method the path has not) must get a 4xx problem+json
matching components.schemas.Problem; a 405 must carry Allow.  A request
outside the mount (the rest of the site, httpd's own) must get a 4xx.  Exchanges that got
no response (the transfer failed) are counted, not checked.
Exit status 1 with one line per mismatch (the first 40), 0 otherwise."""
import base64
import json
import re
import sys
from collections import Counter
from urllib.parse import unquote, urlsplit

import jsonschema
import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
POSITIVE = re.compile(r"^[1-9][0-9]{0,9}$")
JSON_TYPES = ("application/json", "application/problem+json")


class Loader(yaml.SafeLoader):
    pass


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class Document:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.load(f, Loader=Loader)
        self.resolver = jsonschema.RefResolver("", self.doc)
        self.validators = {}
        self.templates = []
        for template, item in self.doc["paths"].items():
            rooted = "servers" in item      # the operations endpoints
            segs = template.strip("/").split("/")
            literal = sum(1 for s in segs if not s.startswith("{"))
            self.templates.append((rooted, template, segs, literal, item))
        # literal segments first, as a server prefers them
        self.templates.sort(key=lambda t: -t[3])
        self.problem = self.doc["components"]["schemas"]["Problem"]

    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            assert ref.startswith("#/"), ref
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            obj = node
        return obj

    def schema_errors(self, schema, value):
        v = self.validators.get(id(schema))
        if v is None:
            v = self.validators[id(schema)] = jsonschema.Draft202012Validator(
                schema, resolver=self.resolver,
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
                for e in v.iter_errors(value)]

    def match(self, path, rooted):
        """(template, path item) whose template matches path, or None."""
        segs = path[1:].split("/")     # "/a/" has an empty last segment
        for is_rooted, template, tsegs, _, item in self.templates:
            if is_rooted != rooted or len(tsegs) != len(segs):
                continue
            if all(seg_matches(t, s) for t, s in zip(tsegs, segs)):
                return template, item
        return None


def normalize(path):
    """The path as httpd routes it: percent-decoded, dot segments removed
    (RFC 3986 5.2.4).  An encoded slash is left as it is: httpd refuses it
    (AllowEncodedSlashes Off), so the path then names nothing."""
    if re.search(r"%2f", path, re.I):
        return path
    out = []
    for seg in unquote(path).split("/")[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    last = unquote(path).rsplit("/", 1)[-1]
    if last in (".", "..") and (not out or out[-1] != ""):
        out.append("")
    return "/" + "/".join(out)


def seg_matches(t, s):
    if t == "{id}":
        return bool(UUID.match(s))
    if t == "{sender_id}":
        return bool(POSITIVE.match(s)) and int(s) <= 2147483647
    return t == s


def media_of(value):
    return value.split(";")[0].strip().lower() if value else None


def headers_of(ex):
    out = {}
    for name, value in ex["headers"]:
        out.setdefault(name.lower(), value)
    return out


def check_problem(d, ex, status, hdrs, body):
    errs = []
    if not 400 <= status <= 499:
        errs.append(f"status {status} for a request the document does not describe (expected a 4xx problem)")
    if media_of(hdrs.get("content-type")) != "application/problem+json":
        errs.append(f"Content-Type {hdrs.get('content-type')!r}, not application/problem+json")
    elif ex["method"] != "HEAD":
        errs += check_json_body(d, d.problem, body, status)
    if status == 405 and "allow" not in hdrs:
        errs.append("405 without Allow")
    return errs


def check_json_body(d, schema, body, status):
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return [f"body is not JSON ({e}): {body[:120]!r}"]
    errs = d.schema_errors(schema, value)
    if (isinstance(value, dict) and "title" in value and "status" in value
            and value.get("status") != status):
        errs.append(f"problem status member {value.get('status')} != HTTP status {status}")
    return errs


def check_response(d, ex, op, status, hdrs, body):
    responses = op.get("responses", {})
    resp = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") \
        or responses.get("default")
    if resp is None:
        return [f"status {status} is not declared (declared: {', '.join(sorted(responses))})"]
    resp = d.deref(resp)
    errs = []
    for name, h in (resp.get("headers") or {}).items():
        h = d.deref(h)
        value = hdrs.get(name.lower())
        if value is None:
            if h.get("required"):
                errs.append(f"required header {name} is missing")
            continue
        errs += [f"header {name}: {e}" for e in d.schema_errors(h.get("schema", {}), value)]
    content = resp.get("content") or {}
    ct = media_of(hdrs.get("content-type"))
    if not content:
        if body and ex["method"] != "HEAD":
            errs.append(f"a body ({len(body)} bytes, {ct}) where the response declares none")
        return errs
    if ct not in content:
        if ex["method"] == "HEAD" and ct is None:
            return errs
        return errs + [f"Content-Type {ct!r} is not declared (declared: {', '.join(content)})"]
    if ex["method"] != "HEAD" and ct in JSON_TYPES and body is not None:
        errs += check_json_body(d, content[ct].get("schema", {}), body, status)
    return errs


def check(d, ex, mount):
    url = urlsplit(ex["path"])
    path, method, status = normalize(url.path or "/"), ex["method"], ex["status"]
    hdrs = headers_of(ex)
    body = None if ex.get("body_skipped") else base64.b64decode(ex.get("body_b64", ""))
    below = None
    for m in sorted(mount.split(","), key=len, reverse=True):
        if path == m or path.startswith(m.rstrip("/") + "/"):
            below = path[len(m.rstrip("/")):] or "/"
            break
    found = d.match(below, False) if below is not None else None
    if found is None:
        found = d.match(path, True)
    if found is None:
        if below is None:   # the rest of the site: httpd's, not the API's
            return "outside", ([] if 400 <= status <= 499 else
                               [f"status {status} outside the mount {mount} (expected a 4xx)"])
        return "unrouted", check_problem(d, ex, status, hdrs, body)
    template, item = found
    op = item.get(method.lower()) or (item.get("get") if method == "HEAD" else None)
    if op is None:
        return "unrouted", check_problem(d, ex, status, hdrs, body)
    return f"{method} {template}", check_response(d, ex, op, status, hdrs, body)


def main():
    d = Document(sys.argv[1])
    mount = sys.argv[3] if len(sys.argv) > 3 else "/api"
    seen, statuses, bad, no_response = Counter(), Counter(), [], 0
    with open(sys.argv[2], encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            ex = json.loads(line)
            if ex["status"] == 0:
                no_response += 1
                continue
            what, errs = check(d, ex, mount)
            seen[what] += 1
            statuses[(what, ex["status"])] += 1
            for e in errs:
                bad.append(f"{ex['method']} {ex['path'][:100]} -> {ex['status']}: {e}")
    total = sum(seen.values())
    ops = sorted(k for k in seen if k not in ("unrouted", "outside"))
    print(f"openapi: {total} responses checked against {sys.argv[1]} "
          f"({len(ops)} operations; {seen['unrouted']} requests no operation describes: "
          f"4xx problem+json; {seen['outside']} outside the mount: 4xx; "
          f"{no_response} without a response)")
    for k in ops:
        codes = " ".join(f"{s}x{statuses[(k, s)]}" for s in sorted(s for (w, s) in statuses if w == k))
        print(f"  {k}: {codes}")
    if bad:
        uniq = list(dict.fromkeys(bad))
        print(f"openapi: {len(bad)} mismatches between the responses and the document:", file=sys.stderr)
        for b in uniq[:40]:
            print(f"  {b}", file=sys.stderr)
        if len(uniq) > 40:
            print(f"  ... and {len(uniq) - 40} more", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
