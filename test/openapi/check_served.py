#!/usr/bin/env python3
"""GET MOUNT/openapi.json as anyone would (no Authorization): 200,
application/json, an ETag that answers 304 to If-None-Match, servers[0].url
the mount, and otherwise the document of docs/openapi.yaml (info.version
from VERSION).

    check_served.py BASE_URL MOUNT docs/openapi.yaml VERSION"""
import json
import sys
import urllib.error
import urllib.request

import yaml

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from validate import Loader  # noqa: E402  (the same YAML reading)


def fetch(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def main():
    base, mount, doc_path, version_path = sys.argv[1:5]
    url = base + mount.rstrip("/") + "/openapi.json"
    bad = []
    status, headers, body = fetch(url)
    if status != 200:
        sys.exit(f"check_served: GET {url} without Authorization: {status}, not 200: {body[:200]!r}")
    if headers.get("Content-Type", "").split(";")[0] != "application/json":
        bad.append(f"Content-Type {headers.get('Content-Type')!r}, not application/json")
    served = json.loads(body)
    with open(doc_path, encoding="utf-8") as f:
        want = yaml.load(f, Loader=Loader)
    with open(version_path, encoding="ascii") as f:
        want["info"]["version"] = f.read().strip()
    if served["servers"][0]["url"] != mount:
        bad.append(f"servers[0].url is {served['servers'][0]['url']!r}, not the mount {mount!r}")
    want["servers"][0]["url"] = mount
    if served != want:
        bad.append(f"the served document is not {doc_path} (rebuild the module?)")
    etag = headers.get("ETag")
    status, _, _ = fetch(url, {"If-None-Match": etag or '"none"'})
    if status != 304:
        bad.append(f"If-None-Match with its ETag {etag}: {status}, not 304")
    for b in bad:
        print(f"check_served: {url}: {b}", file=sys.stderr)
    if bad:
        sys.exit(1)
    print(f"check_served: {url}: 200 application/json without Authorization, "
          f"servers[0].url {mount}, the document of {doc_path}, 304 to its ETag")


if __name__ == "__main__":
    main()
