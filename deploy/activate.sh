#!/bin/sh
# Runs on the web host: makes the uploaded staging/ folder the live site in one step.
# Usage: activate.sh BASE RELEASE KEEP
set -eu
base="$1"; release="$2"; keep="${3:-5}"
case "$base" in /*) ;; *) echo "BASE must be an absolute path" >&2; exit 2 ;; esac
cd "$base"
mkdir -p releases
test -s staging/index.html || { echo "staging/ holds no site: nothing switched" >&2; exit 3; }
# A hard-link copy is instant and needs no space for unchanged files; rsync replaces
# changed files by rename, so files of older releases are never changed in place.
rm -rf "releases/.$release.tmp"
cp -al staging "releases/.$release.tmp"
mv "releases/.$release.tmp" "releases/$release"
# rename(2) over the old link is atomic; 'ln -sfn' alone is not.
ln -s "releases/$release" .current.new
mv -T .current.new current
live="$(basename "$(readlink current)")"
ls -1 releases | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
  [ "$old" = "$live" ] || rm -rf -- "releases/$old"
done
echo "live: $live"
