#!/usr/bin/env python3
"""Generates events/ — sample Lambda events for `sam local invoke`, `cargo lambda invoke` and tests.

    python3 scripts/gen_events.py            # (re)write events/
    python3 scripts/gen_events.py --check    # exit 1 if events/ is not what this script makes

Webhook events are Lambda Function URL requests (payload format 2.0) carrying real GitHub
webhook bodies from ../shared/fixtures/github, signed the way GitHub signs them:
`x-hub-signature-256: sha256=<hex HMAC-SHA256 of the exact body bytes>` with the DEVELOPMENT
secret `notion-relay-dev-secret` (DEV_SECRET below; events/env.json sets it as
GITHUB_WEBHOOK_SECRET). Never use that secret for a deployed stack.

The body is the fixture file's bytes, unmodified, except for the derived events below (the
octokit examples lack them), which are the source fixture parsed, changed as described, and
re-serialised as JSON with 2-space indentation (the octokit layout):
  - issues closed:          from octokit issues/edited: action "closed", `changes` removed,
                            issue.state "closed", issue.state_reason "completed",
                            issue.closed_at = issue.updated_at = CLOSED_AT (later than opened).
  - pull_request opened as a draft: octokit pull_request/opened has "draft": false; here
                            pull_request.draft = true (nothing else changes).
  - bad signature:          the issues opened body, signed with a wrong secret.

Everything is deterministic (no clock, no randomness): delivery ids and request ids are
UUIDv5 of the event name, request times are one second after the object's `updated_at`.
Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FIXTURES = ROOT.parent / "shared" / "fixtures" / "github"
EVENTS = ROOT / "events"

DEV_SECRET = "notion-relay-dev-secret"
WRONG_SECRET = "not-the-notion-relay-secret"
# The hook id from octokit's ping example, used for every delivery so they look like one webhook.
HOOK_ID = "109948940"
USER_AGENT = "GitHub-Hookshot/87e258b"  # as in the captured delivery
SOURCE_IP = "140.82.115.245"  # a GitHub hooks address, as in the captured delivery
URL_ID = "relaydev" + "0" * 24  # a Function URL id is 32 lowercase alphanumerics
REGION = "us-east-1"
DOMAIN = f"{URL_ID}.lambda-url.{REGION}.on.aws"
CLOSED_AT = "2019-05-15T15:22:40Z"  # issues closed: a later minute than opened (15:20:18)
UUID_NAMESPACE = uuid.UUID("6f1c6c1e-3b7a-4c55-9a3e-2b1d0c9e7a10")  # notion-relay events

# For `sam local invoke --env-vars events/env.json` (keys are logical ids). The Notion values are
# what `notion-emulator --demo` serves (relay_tests::emulator::DEMO_*: port 8787, token
# secret_dev_token, the demo database and the page it lives under), so the samples run against it
# without edits.
LOCAL_NOTION = "http://127.0.0.1:8787"
LOCAL_GITHUB = "http://127.0.0.1:8788"
LOCAL_MOTO = "http://127.0.0.1:5000"
DEMO_NOTION_TOKEN = "secret_dev_token"
DEMO_DATABASE_ID = "0123456789abcdef0123456789abcdef"
DEMO_PAGE_ID = "0123456789abcdef0123456789abcdee"

# The EventBridge "Scheduled Event", as `sam local generate-event cloudwatch scheduled-event` prints it.
SCHEDULED_EVENT = {
    "id": "cdc73f9d-aea9-11e3-9d5a-835b769c0d9c",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "1970-01-01T00:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/ExampleRule"],
    "detail": {},
}

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def close_issue(payload: dict) -> dict:
    """issues/edited -> issues/closed (see the module docstring)."""
    out = {}
    for key, value in payload.items():
        if key == "changes":
            continue
        out[key] = "closed" if key == "action" else value
    issue = {}
    for key, value in out["issue"].items():
        issue[key] = value
        if key == "state":
            issue["state"] = "closed"
            issue["state_reason"] = "completed"
    issue["closed_at"] = CLOSED_AT
    issue["updated_at"] = CLOSED_AT
    out["issue"] = issue
    return out


def make_draft(payload: dict) -> dict:
    """pull_request/opened (not a draft) -> the same PR opened as a draft."""
    payload["pull_request"]["draft"] = True
    return payload


# (name, GitHub event, fixture path under fixtures/github, derivation, expected HTTP status, note)
WEBHOOKS = [
    ("ping", "ping", "octokit/ping/payload.json", None, 200, "ping: answered 200, no Notion call"),
    ("issues-opened", "issues", "octokit/issues/opened.payload.json", None, 200, "creates the page"),
    ("issues-edited", "issues", "octokit/issues/edited.payload.json", None, 200,
     "same updated_at as opened"),
    ("issues-labeled", "issues", "octokit/issues/labeled.payload.json", None, 200, "label 'bug'"),
    ("issue_comment-created", "issue_comment", "octokit/issue_comment/created.payload.json", None,
     200, "comment count"),
    ("issues-closed", "issues", "octokit/issues/edited.payload.json", close_issue, 200,
     "derived from issues/edited: Status Closed"),
    ("pull_request-opened-draft", "pull_request", "octokit/pull_request/opened.payload.json",
     make_draft, 200, "derived: draft true, Status Draft"),
    ("pull_request-closed-merged", "pull_request", "captured/pull_request.closed.merged.json", None,
     200, "real captured delivery: Status Merged"),
    ("push", "push", "octokit/push/payload.json", None, 202, "an event it does not sync"),
    ("bad-signature", "issues", "octokit/issues/opened.payload.json", None, 401,
     "issues opened signed with a wrong secret: no Notion call"),
]


def body_of(fixtures: Path, rel: str, derive) -> bytes:
    raw = (fixtures / rel).read_bytes()
    if derive is None:
        return raw
    return (json.dumps(derive(json.loads(raw)), indent=2, ensure_ascii=False) + "\n").encode()


def signature(secret: str, body: bytes, digest) -> str:
    return hmac.new(secret.encode(), body, digest).hexdigest()


def request_time(event: str, payload: dict) -> datetime:
    """One second after the delivered object's last change: plausible, and stable."""
    stamp = None
    if event == "ping":
        stamp = payload.get("hook", {}).get("updated_at")
    elif event == "issue_comment":
        stamp = payload.get("comment", {}).get("created_at")
    elif event == "push":
        stamp = (payload.get("head_commit") or {}).get("timestamp")
    else:
        stamp = (payload.get("issue") or payload.get("pull_request") or {}).get("updated_at")
    when = datetime.fromisoformat((stamp or "2019-05-15T15:20:00Z").replace("Z", "+00:00"))
    return when.astimezone(timezone.utc) + timedelta(seconds=1)


def function_url_event(name: str, event: str, body: bytes, secret: str, delivery: str) -> dict:
    payload = json.loads(body)
    when = request_time(event, payload)
    epoch_ms = int(when.timestamp()) * 1000
    request_id = str(uuid.uuid5(UUID_NAMESPACE, "request/" + name))
    trace = hashlib.sha256(name.encode()).hexdigest()[:24]
    repository = payload.get("repository") or {}
    headers = {
        "accept": "*/*",
        "content-length": str(len(body)),
        "content-type": "application/json",
        "host": DOMAIN,
        "user-agent": USER_AGENT,
        "x-amzn-trace-id": f"Root=1-{int(when.timestamp()):08x}-{trace}",
        "x-forwarded-for": SOURCE_IP,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        "x-github-delivery": delivery,
        "x-github-event": event,
        "x-github-hook-id": HOOK_ID,
        "x-github-hook-installation-target-id": str(repository.get("id", "")),
        "x-github-hook-installation-target-type": "repository",
        # GitHub still sends the legacy SHA-1 signature too; only the SHA-256 one may be trusted.
        "x-hub-signature": "sha1=" + signature(secret, body, hashlib.sha1),
        "x-hub-signature-256": "sha256=" + signature(secret, body, hashlib.sha256),
    }
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": URL_ID,
            "domainName": DOMAIN,
            "domainPrefix": URL_ID,
            "http": {
                "method": "POST",
                "path": "/",
                "protocol": "HTTP/1.1",
                "sourceIp": SOURCE_IP,
                "userAgent": USER_AGENT,
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": f"{when.day:02d}/{MONTHS[when.month - 1]}/{when.year}:"
            f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} +0000",
            "timeEpoch": epoch_ms,
        },
        "body": body.decode("utf-8"),
        "isBase64Encoded": False,
    }


def captured_delivery(fixtures: Path) -> str | None:
    """The real x-github-delivery of the captured delivery (headers file: name TAB value)."""
    path = fixtures / "captured" / "pull_request.closed.merged.headers.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("\t")
        if key.strip().lower() == "x-github-delivery":
            return value.strip()
    return None


def env_vars() -> dict:
    common = {
        "NOTION_API_URL": LOCAL_NOTION,
        "NOTION_TOKEN": DEMO_NOTION_TOKEN,
        "NOTION_DATABASE_ID": DEMO_DATABASE_ID,
        "NOTION_VERSION": "2022-06-28",
        "GITHUB_WEBHOOK_SECRET": DEV_SECRET,
        # Direct values above win; an empty SECRET_ID means "no Secrets Manager" locally.
        "SECRET_ID": "",
        "RUST_LOG": "info",
    }
    github = {
        "GITHUB_API_URL": LOCAL_GITHUB,
        "GITHUB_TOKEN": "github_dev_token",
        "REPOSITORIES": "Codertocat/Hello-World",
    }
    return {
        "GitHubWebhookFunction": dict(common),
        "ScheduledSyncFunction": {**common, **github, "GITHUB_HOOK_ID": HOOK_ID},
        "WeeklyDigestFunction": {**common, **github, "NOTION_DIGEST_PARENT_ID": DEMO_PAGE_ID},
        # notion-oauth writes the token into a secret: point it at a local moto_server
        # (`.venv/bin/moto_server -p 5000`, then create the secret `notion-relay-dev` there).
        "NotionOAuthFunction": {
            **common,
            "SECRET_ID": "notion-relay-dev",
            "AWS_ENDPOINT_URL": LOCAL_MOTO,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "NOTION_OAUTH_CLIENT_ID": "dev-oauth-client-id",
            "NOTION_OAUTH_CLIENT_SECRET": "dev-oauth-client-secret",
            # Local runs only: the emulator's workspace id is not fixed, so accept any workspace.
            "NOTION_OAUTH_ALLOW_ANY_WORKSPACE": "true",
        },
    }


def dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def generate(fixtures: Path) -> dict[str, str]:
    """File name under events/ -> its content."""
    files: dict[str, str] = {}
    manifest = []
    real_delivery = captured_delivery(fixtures)
    for name, event, rel, derive, status, note in WEBHOOKS:
        body = body_of(fixtures, rel, derive)
        secret = WRONG_SECRET if name == "bad-signature" else DEV_SECRET
        delivery = str(uuid.uuid5(UUID_NAMESPACE, "delivery/" + name))
        if rel.startswith("captured/") and real_delivery:
            delivery = real_delivery
        file_name = f"webhook-{name}.json"
        files[file_name] = dumps(function_url_event(name, event, body, secret, delivery))
        payload = json.loads(body)
        item = payload.get("issue") or payload.get("pull_request") or {}
        manifest.append({
            "file": file_name,
            "event": event,
            "action": payload.get("action"),
            "repository": (payload.get("repository") or {}).get("full_name"),
            "number": item.get("number"),
            "delivery": delivery,
            "fixture": rel,
            "derived": derive is not None,
            "expected_status": status,
            "note": note,
        })
    files["manifest.json"] = dumps({
        "secret": DEV_SECRET,
        "hook_id": HOOK_ID,
        "events": manifest,
    })
    files["scheduled-event.json"] = dumps(SCHEDULED_EVENT)
    files["env.json"] = dumps(env_vars())
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES,
                        help="the github fixtures folder (default: ../shared/fixtures/github)")
    parser.add_argument("--out", type=Path, default=EVENTS, help="output folder (default: events/)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file differs from what would be written")
    args = parser.parse_args()

    if not args.fixtures.is_dir():
        print(f"gen_events: fixtures not found at {args.fixtures}", file=sys.stderr)
        return 2
    files = generate(args.fixtures)
    if args.check:
        stale = [n for n, text in files.items()
                 if not (args.out / n).is_file() or (args.out / n).read_text(encoding="utf-8") != text]
        if stale:
            print("gen_events: out of date (run `make events`): " + ", ".join(sorted(stale)),
                  file=sys.stderr)
            return 1
        print(f"gen_events: {len(files)} files in {args.out} are up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8", newline="\n")
    print(f"gen_events: wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
