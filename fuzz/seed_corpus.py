#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from ../shared/fixtures (and the repo's own events/), at run time.

The fixtures are never copied into the repository: `make fuzz` runs this first, and corpus/ is
git-ignored. Idempotent: a file is named by the hash of its content.

  webhook_request  Lambda Function URL events around every GitHub payload in the fixtures (JSON,
                   base64 and form-encoded bodies), plus events/*.json
  markdown_blocks  issue / PR / comment bodies from the GitHub payloads, Markdown files
  notion_error     every recorded Notion answer with status >= 400, in the target's layout
                   (2-byte status, Retry-After line, request-id line, body), plus edge cases
  github_link      Link headers from GitHub's pagination docs and the recordings
"""

import base64
import glob
import hashlib
import json
import os
import sys
import urllib.parse

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.normpath(os.path.join(ROOT, "..", "shared", "fixtures"))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def http_event(event, body, content_type="application/json", b64=False):
    return json.dumps(
        {
            "rawPath": "/",
            "headers": {
                "content-type": content_type,
                "x-github-event": event,
                "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
                "x-hub-signature-256": "sha256=" + "0" * 64,
            },
            "body": base64.b64encode(body).decode() if b64 else body.decode("utf-8", "replace"),
            "isBase64Encoded": b64,
            "requestContext": {"http": {"method": "POST", "path": "/"}},
        }
    )


def bodies(payload):
    for key in ("issue", "pull_request", "comment", "release"):
        text = (payload.get(key) or {}).get("body") if isinstance(payload, dict) else None
        if isinstance(text, str) and text:
            yield text


def github():
    files = glob.glob(os.path.join(FIXTURES, "github", "octokit", "*", "*.json"))
    files += glob.glob(os.path.join(FIXTURES, "github", "captured", "*.json"))
    for path in sorted(files):
        raw = open(path, "rb").read()
        event = os.path.basename(os.path.dirname(path))
        if event == "captured":
            event = os.path.basename(path).split(".")[0]
        put("webhook_request", http_event(event, raw))
        put("webhook_request", http_event(event, raw, b64=True))
        form = b"payload=" + urllib.parse.quote_plus(raw).encode()
        put("webhook_request", http_event(event, form, "application/x-www-form-urlencoded"))
        try:
            for text in bodies(json.loads(raw)):
                put("markdown_blocks", text)
        except ValueError:
            pass
    for path in sorted(glob.glob(os.path.join(ROOT, "events", "webhook-*.json"))):
        put("webhook_request", open(path, "rb").read())


def markdown():
    for path in glob.glob(os.path.join(FIXTURES, "**", "*.md"), recursive=True):
        put("markdown_blocks", open(path, "rb").read())
    for path in [os.path.join(ROOT, "README.md")] + glob.glob(os.path.join(ROOT, "docs", "*.md")):
        put("markdown_blocks", open(path, "rb").read())
    put("markdown_blocks", "- [ ] a\n  - [x] b\n    - c\n      - d\n\n> q\n> - l\n\n```rust\nfn\n```\n")
    put("markdown_blocks", "[rel](../a.md) ![img](./i.png) [js](javascript:x) <b>html</b> | a | b |\n|---|---|\n| 1 | 2 |\n")


def header(headers, name):
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else value
    return None


def notion_error(status, body, retry_after="", request_id=""):
    return status.to_bytes(2, "big") + f"{retry_after}\n{request_id}\n".encode() + body


def notion():
    links = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "notion", "*", "*.yaml"))):
        data = yaml.safe_load(open(path)) or {}
        for interaction in data.get("interactions", []):
            response = interaction.get("response", {})
            status = (response.get("status") or {}).get("code") or response.get("status_code") or 0
            body = (response.get("body") or {}).get("string") if "body" in response else response.get("content")
            headers = response.get("headers")
            link = header(headers, "link")
            if link:
                links.append(link)
            if status >= 400:
                body = body.encode() if isinstance(body, str) else (body or b"")
                put("notion_error", notion_error(status, body,
                    header(headers, "retry-after") or "",
                    header(headers, "x-notion-request-id") or ""))
    for status, body, retry_after in [
        (429, b'{"object":"error","status":429,"code":"rate_limited","message":"slow down"}', "2"),
        (429, b"", "Wed, 21 Oct 2015 07:28:00 GMT"),
        (502, b"<html><body>502 Bad Gateway</body></html>", ""),
        (503, b"\xff\xfe\x00", "1.5"),
        (409, b'{"code":"conflict_error","message":"m","request_id":"r"}', "-3"),
    ]:
        put("notion_error", notion_error(status, body, retry_after, "req-1"))
    return links


def github_links(found):
    api = "https://api.github.com/repositories/1300192/issues"
    for link in found + [
        f'<{api}?page=2>; rel="next", <{api}?page=5>; rel="last"',
        f'<{api}?page=1>; rel="prev", <{api}?page=3>; rel="next", <{api}?page=5>; rel="last", <{api}?page=1>; rel="first"',
        '<https://api.github.com/repos/o/r/hooks/1/deliveries?per_page=100&cursor=v1_123>; rel="next"',
        "<https://x/?a=1>; rel=next",
        '<https://x/a>; rel="prev next"',
        "<>; rel=next, <",
    ]:
        put("github_link", link)


def notion_signatures():
    # One length byte, the verification token, then a body: real Notion-shaped event bodies.
    token = b"secret_notion_relay_verification_token"
    for body in [
        b'{"verification_token":"secret_abc"}',
        b'{"id":"e1","type":"page.properties_updated","timestamp":"2026-06-01T10:00:00.000Z",'
        b'"authors":[{"id":"u1","type":"person"}],"entity":{"id":"p1","type":"page"},'
        b'"data":{"parent":{"id":"d1","type":"database"},"updated_properties":["title"]}}',
        b"",
    ]:
        put("notion_signature", bytes([len(token)]) + token + body)


def main():
    if not os.path.isdir(FIXTURES):
        sys.exit(f"fixtures not found at {FIXTURES}")
    github()
    markdown()
    github_links(notion())
    notion_signatures()
    for target in sorted(os.listdir(CORPUS)):
        print(f"corpus/{target}: {len(os.listdir(os.path.join(CORPUS, target)))} seeds")


if __name__ == "__main__":
    main()
