#!/bin/sh
# Lint the OpenAPI document (app/http/openapi.json) with Redocly CLI, pinned
# in tests/api/package.json, using tests/api/redocly.yaml. Prints TAP.
# Usage: tests/api/lint-openapi.sh [document]   (exit 0 only when clean)
#
# The linter works offline: no remote rulesets, telemetry off (here and in
# redocly.yaml), update and notification checks suppressed. Installing it
# (npm ci, only when node_modules is missing) is the one step that needs
# the npm registry.

set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
spec=${1:-"$root/app/http/openapi.json"}
redocly="$here/node_modules/.bin/redocly"

REDOCLY_TELEMETRY=off
REDOCLY_SUPPRESS_UPDATE_NOTICE=true
REDOCLY_SUPPRESS_NOTIFICATIONS=true
NO_COLOR=1
export REDOCLY_TELEMETRY REDOCLY_SUPPRESS_UPDATE_NOTICE \
    REDOCLY_SUPPRESS_NOTIFICATIONS NO_COLOR

out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM

# Print the captured output as TAP diagnostics, then "not ok" and exit.
fail()
{
	echo "not ok 1 - openapi lint"
	echo "# $1"
	sed 's/^/# /' "$out"
	exit 1
}

echo "1..1"

if [ ! -x "$redocly" ]; then
	echo "# installing the linter (npm ci in tests/api)"
	(cd "$here" && npm ci --no-audit --no-fund) >"$out" 2>&1 ||
	    fail "npm ci failed"
fi

[ -r "$spec" ] || { : >"$out"; fail "cannot read $spec"; }

if "$redocly" lint --config "$here/redocly.yaml" --format=stylish \
    "$spec" >"$out" 2>&1; then
	# Clean means no error and no warning: recommended-strict raises every
	# recommended rule to error, so a pass with a warning is a config slip.
	if grep -q ' warning ' "$out"; then
		fail "linter passed with warnings"
	fi
	echo "ok 1 - openapi lint"
	exit 0
fi
fail "redocly lint failed for $spec"
