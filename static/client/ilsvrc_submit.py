#!/usr/bin/env python3
"""Submit a prediction file to an ILSVRC challenge server and wait for its score, or check it.

Standard library only (Python 3.8+). Get your API token on the site's profile page (which also
shows this command filled in for you), then:

    python3 ilsvrc_submit.py --server https://challenge.example.org --token TOKEN \\
        --year 2012 --task classification --split val --entry "my entry" predictions.txt

--check checks the file as an upload would (format, lines, classes, whether you may submit now)
without storing it or using quota. The token may also come from the ILSVRC_TOKEN environment
variable. A large file uploads several times faster gzip-compressed: pass a .gz file, or --gzip
to compress it on the way. Exit status: 0 scored (or accepted with --no-wait, or ready with
--check), 1 the file was refused (line errors are printed), 2 over quota (the next free slot is
printed), 3 scoring failed, 4 any other error.
"""

import argparse
import gzip
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

EXIT_OK, EXIT_REFUSED, EXIT_QUOTA, EXIT_FAILED, EXIT_OTHER = 0, 1, 2, 3, 4


def encode_multipart(fields, file_field, filename, data):
    """Encode form fields and one file as multipart/form-data; return (body, content type)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    safe_name = os.path.basename(filename).replace('"', "_")
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{safe_name}"\r\n'
        f"Content-Type: text/plain\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def call(server, token, method, path, body=None, content_type=None):
    """One API request; returns (HTTP status, decoded JSON body or None)."""
    request = urllib.request.Request(server.rstrip("/") + path, data=body, method=method)
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Accept", "application/json")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, {"errors": [{"line": None, "message": raw.decode("utf-8", "replace")[:500]}]}


def print_errors(body, stream=sys.stderr):
    for error in (body or {}).get("errors", []) or [{"line": None, "message": json.dumps(body)}]:
        prefix = f"line {error['line']}: " if error.get("line") else ""
        print(f"  {prefix}{error.get('message')}", file=stream)


# How the site writes each score: an error as a percentage, mean average precision as a decimal.
METRICS = [("top5_error", "Top-5 error", "%"), ("top1_error", "Top-1 error", "%"),
           ("localization_error", "Localization error", "%"), ("hierarchical_error", "Hierarchical error", ""),
           ("mean_average_precision", "Mean average precision", "")]


def score_text(value, kind):
    return f"{value * 100:.3f}%" if kind == "%" else f"{value:.5f}"


def print_scores(submission):
    scores = submission.get("scores")
    after = " (after the challenge)" if submission.get("board") == "post-challenge" else ""
    if not scores:
        when = submission.get("scores_published_at")
        print(f"Scored{after}. Scores on this split are hidden until the results are announced"
              + (f", on {when[:16].replace('T', ' ')} UTC." if when else "."))
    else:
        print(f"Scored{after}:")
        for name, label, kind in METRICS:
            if isinstance(scores.get(name), (int, float)):
                low, high = (scores.get("intervals") or {}).get(name) or (None, None)
                interval = f"  (95% interval {score_text(low, kind)} to {score_text(high, kind)})" \
                    if low is not None and high is not None else ""
                print(f"  {label}: {score_text(scores[name], kind)}{interval}")
        if scores.get("basis") == "public":
            print("  (on the public part of the test images; the final ranking uses the rest)")
        if scores.get("basis") == "ladder" and scores.get("ladder_accepted") is False:
            print("  (the Ladder shows your previous best: this entry was not significantly better)")
        for warning in scores.get("warnings") or []:
            print(f"  Note: {warning}")
    print_links(submission)


def print_links(submission):
    if submission.get("url"):
        print(f"Entry: {submission['url']}")
    if submission.get("leaderboard_url"):
        print(f"Leaderboard: {submission['leaderboard_url']}")


def check(args, body, content_type):
    """--check: the server checks the file as an upload would, stores nothing, uses no quota."""
    status, reply = call(args.server, args.token, "POST", "/api/submissions/", body, content_type)
    if status != 200:
        print(f"The server answered {status}:", file=sys.stderr)
        print_errors(reply)
        return EXIT_QUOTA if status == 429 and "next_slot_at" in (reply or {}) else EXIT_OTHER
    if reply.get("message"):
        print(reply["message"])
    if reply.get("ready"):
        print("Ready to submit.")
        return EXIT_OK
    print("Not ready:", file=sys.stderr)
    print_errors(reply)
    return EXIT_REFUSED


def main(argv=None):
    parser = argparse.ArgumentParser(description="Submit a prediction file and wait for its score.")
    parser.add_argument("file", help="the prediction file (one line per image)")
    parser.add_argument("--server", required=True, help="the site's address, e.g. https://challenge.example.org")
    parser.add_argument("--token", default=os.environ.get("ILSVRC_TOKEN"), help="API token (or ILSVRC_TOKEN)")
    parser.add_argument("--year", required=True, help="the challenge year's slug")
    parser.add_argument("--task", default="classification")
    parser.add_argument("--split", default="val", choices=["val", "test"])
    parser.add_argument("--entry", help="the entry's name, shown on the leaderboard (not needed with --check)")
    parser.add_argument("--description", default="", help="a short description of the method (Markdown)")
    parser.add_argument("--paper", default="", help="the URL of a paper describing the method")
    parser.add_argument("--code", default="", help="the URL of the method's code")
    parser.add_argument("--check", action="store_true",
                        help="only check the file (format, lines, classes, quota): nothing is stored or counted")
    parser.add_argument("--external-data", action="store_true", help="the method uses outside training data")
    parser.add_argument("--gzip", action="store_true", help="compress the file before sending it (unless it is gzip)")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for the score")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the score")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("an API token is needed: --token or ILSVRC_TOKEN")
    if not args.entry and not args.check:
        parser.error("an entry name is needed: --entry (or --check to check the file only)")
    with open(args.file, "rb") as handle:
        data = handle.read()
    if args.gzip and data[:2] != b"\x1f\x8b":  # the server finds gzip by these first two bytes
        data = gzip.compress(data, 6)

    fields = {"year": args.year, "task": args.task, "split": args.split, "entry": args.entry or "checked file",
              "description": args.description, "method_url": args.paper, "code_url": args.code,
              "external_data": "true" if args.external_data else "false"}
    if args.check:
        fields["check_only"] = "true"
    body, content_type = encode_multipart(fields, "file", args.file, data)
    if args.check:
        return check(args, body, content_type)
    status, reply = call(args.server, args.token, "POST", "/api/submissions/", body, content_type)
    if status == 400:
        print("The file was refused (it does not count against your quota):", file=sys.stderr)
        print_errors(reply)
        return EXIT_REFUSED
    if status == 429 and "next_slot_at" not in (reply or {}):
        print(f"Too many requests; try again later: {(reply or {}).get('detail', '')}", file=sys.stderr)
        return EXIT_OTHER
    if status == 429:
        print("Over quota:", file=sys.stderr)
        print_errors(reply)
        if reply and reply.get("next_slot_at"):
            print(f"Next free slot: {reply['next_slot_at']}", file=sys.stderr)
        return EXIT_QUOTA
    if status != 201:
        print(f"The server answered {status}:", file=sys.stderr)
        print_errors(reply)
        return EXIT_OTHER

    print(f"Submission {reply['id']} received{' (after the challenge)' if reply.get('board') == 'post-challenge' else ''}.")
    deadline, delay = time.monotonic() + args.timeout, 1.0
    while not args.no_wait and reply["status"] in ("received", "scoring"):
        if time.monotonic() > deadline:
            print("Still not scored; check the site later.", file=sys.stderr)
            return EXIT_OTHER
        time.sleep(delay)
        delay = min(delay * 1.5, 10.0)
        status, reply = call(args.server, args.token, "GET", f"/api/submissions/{reply['id']}/")
        if status != 200:
            print(f"The server answered {status} while waiting:", file=sys.stderr)
            print_errors(reply)
            return EXIT_OTHER
    if reply["status"] == "failed":
        print(f"Scoring failed: {reply.get('failure_reason')}", file=sys.stderr)
        return EXIT_FAILED
    if reply["status"] == "scored":
        print_scores(reply)
    elif args.no_wait:
        print_links(reply)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
