#!/usr/bin/env bash
# Validates the API's OpenAPI document, as /api/openapi.json serves it, with
# openapi-spec-validator from PyPI in target/openapi-venv (kept between runs; a half-finished
# one is made again). The document comes from the tsos binary given, or target/debug/tsos.
set -euo pipefail
cd "$(dirname "$0")/.."
tsos=${1:-target/debug/tsos}
venv=target/openapi-venv
py=$venv/bin/python
if ! [[ -x $py ]] || ! "$py" -c 'import openapi_spec_validator' 2>/dev/null; then
    rm -rf "$venv"
    mkdir -p target
    python3 -m venv "$venv" || {
        echo "python3 -m venv failed: install the Debian package python3-venv" >&2
        exit 1
    }
    "$py" -m pip install --quiet --disable-pip-version-check -r .ci/openapi-requirements.txt
fi
document=target/openapi.json
"$tsos" generate openapi "$document"
"$venv/bin/openapi-spec-validator" "$document"

# The schemas against real answers: the demo's reports at each level and its chats, which are
# the objects /api/report and /api/chats serve, checked with jsonschema (a dependency of the
# validator). About 35 s, most of it the demo.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tsos" --db "$work/demo.db" demo --no-serve --out "$work/demo" >/dev/null
for level in school municipality region; do
    "$tsos" --db "$work/demo.db" report --format json --level "$level" >"$work/report_$level.json"
done
"$tsos" --db "$work/demo.db" chats report --format json >"$work/chats.json"
"$py" - "$document" "$work" <<'PY'
import json, sys, jsonschema
document, work = sys.argv[1], sys.argv[2]
schemas = json.load(open(document))["components"]["schemas"]
checks = [("Report", f"report_{level}.json") for level in ("school", "municipality", "region")]
checks.append(("ChatsReport", "chats.json"))
for schema, name in checks:
    answer = json.load(open(f"{work}/{name}"))
    jsonschema.Draft202012Validator(schemas[schema]).validate(answer)
    print(f"{name}: {len(answer['rows'])} rows match {schema}")
PY
