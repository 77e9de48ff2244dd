#!/bin/sh
# Runs on the web host before an upload: a folder of this run's own, holding the live
# release as hard links, for rsync to bring up to date (only what changed travels).
# Usage: prepare.sh BASE WORK KEEP   (WORK: the folder's name inside releases/, '.<...>.tmp')
set -eu
# A release is marked before its deletion starts (a run killed halfway leaves half of it):
# rollback.sh skips marked releases, and prepare.sh finishes the deletion.
drop() {
  { : > "releases/.dropping-$1"; } 2>/dev/null || true
  if rm -rf -- "releases/$1"; then rm -f "releases/.dropping-$1"; else echo "warning: could not remove releases/$1" >&2; fi
}
umask 022  # the web server reads what we write, whatever the account's own umask
base="$1"; work="$2"; keep="${3:-5}"
case "$base" in /*) ;; *) echo "BASE must be an absolute path" >&2; exit 2 ;; esac
case "$work" in .*.tmp) ;; *) echo "WORK must be named .<name>.tmp" >&2; exit 2 ;; esac
mkdir -p "$base/releases"
cd "$base"
chmod 755 releases
# Copies of runs that died (a killed runner, a full disk); a run in progress keeps its own.
find releases -maxdepth 1 -name '.*.tmp' -mmin +60 -exec rm -rf {} +
live=""
if [ -L current ]; then live="$(basename "$(readlink current)")"; fi
# Room before the upload, not only after it: the new release will be one of the KEEP.
ls -1 releases | grep -v '^\.' | sort -r | tail -n +"$keep" | while read -r old; do
  [ "$old" = "$live" ] || drop "$old"
done
for mark in releases/.dropping-*; do  # deletions a killed run did not finish
  [ -e "$mark" ] || continue
  marked="${mark#releases/.dropping-}"
  [ "$marked" = "$live" ] || drop "$marked"
done
rm -rf "releases/$work"
# rsync replaces a changed file by a new one (never writes into it), so the live
# release's files, which these links share, are never changed.
if [ -n "$live" ] && [ -d "releases/$live" ]; then
  cp -al "releases/$live" "releases/$work"
else
  mkdir "releases/$work"
fi
echo "work: releases/$work"
