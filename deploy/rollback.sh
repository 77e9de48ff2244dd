#!/bin/sh
# Runs on the web host: points current/ back at the release before the live one.
# Usage: rollback.sh BASE
set -eu
base="$1"
case "$base" in /*) ;; *) echo "BASE must be an absolute path" >&2; exit 2 ;; esac
cd "$base"
live="$(basename "$(readlink current)")"
previous="$(ls -1 releases | sort | grep -v '^\.' | awk -v live="$live" '$0 < live' | tail -n 1)"
if [ -z "$previous" ]; then
  echo "no release older than $live to go back to" >&2
  exit 4
fi
ln -s "releases/$previous" .current.new
mv -T .current.new current
echo "live: $previous"
