#!/bin/sh
# Runs on the web host: points current/ back at the release before the live one.
# Usage: rollback.sh BASE [drop]
#   drop: the live release failed its check after the switch; it is deleted, so that no
#   later rollback goes back to it.
set -eu
umask 022
base="$1"; drop="${2:-}"
case "$base" in /*) ;; *) echo "BASE must be an absolute path" >&2; exit 2 ;; esac
cd "$base"
live="$(basename "$(readlink current)")"
if [ "$drop" = "drop" ]; then
  # Marked first: whenever this run dies from here on, no later rollback goes back to it.
  : > "releases/.dropping-$live"
fi
# Older than the live one, and not being deleted.
previous="$(ls -1 releases | grep -v '^\.' | sort | awk -v live="$live" '$0 < live' | while read -r release; do
  [ -e "releases/.dropping-$release" ] || echo "$release"
done | tail -n 1)"
if [ -z "$previous" ]; then
  echo "no release older than $live to go back to" >&2
  exit 4
fi
rm -f .current.new
ln -s "releases/$previous" .current.new
mv -T .current.new current
echo "live: $previous"
if [ "$drop" = "drop" ]; then
  if rm -rf -- "releases/$live"; then rm -f "releases/.dropping-$live"; else
    echo "warning: could not remove the failed releases/$live" >&2
  fi
fi
