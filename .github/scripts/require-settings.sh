#!/usr/bin/env bash
# Checks that the repository or environment settings a Pulumi job needs are there.
#
#   require-settings.sh [--fail] NAME...
#
# Each NAME is an environment variable the step maps from a repository variable or secret. On a
# fork, or before an owner has turned CI preview on, they are empty: the job should then say so and
# skip its Pulumi steps instead of failing. Writes enabled=true|false to $GITHUB_OUTPUT and, when
# something is missing, a notice and a job summary naming it (names only: values stay unprinted).
# With --fail, missing settings fail the step instead (a deploy someone asked for must not pass
# silently).
set -euo pipefail

fail=false
if [ "${1:-}" = "--fail" ]; then
  fail=true
  shift
fi

missing=()
for name in "$@"; do
  if [ -z "${!name:-}" ]; then missing+=("$name"); fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "enabled=true" >>"$GITHUB_OUTPUT"
  exit 0
fi

echo "enabled=false" >>"$GITHUB_OUTPUT"
message="Not configured here: ${missing[*]}. A fork has none of them; see docs/ci.md to turn them on."
echo "$message" >>"$GITHUB_STEP_SUMMARY"
if [ "$fail" = true ]; then
  echo "::error title=Pulumi settings missing::$message"
  exit 1
fi
echo "::notice title=Pulumi step skipped::$message"
