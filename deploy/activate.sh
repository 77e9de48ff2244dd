#!/bin/sh
# Runs on the web host: makes the uploaded staging/ folder the live site in one step.
# Usage: activate.sh BASE RELEASE KEEP
set -eu
umask 022  # the web server reads what we write, whatever the account's own umask
base="$1"; release="$2"; keep="${3:-5}"
case "$base" in /*) ;; *) echo "BASE must be an absolute path" >&2; exit 2 ;; esac
cd "$base"
mkdir -p releases
test -s staging/index.html || { echo "staging/ holds no site: nothing switched" >&2; exit 3; }
# A web folder that was a plain folder before the first publish becomes the oldest release.
if [ -d current ] && [ ! -L current ]; then
  mv -T current releases/00000000T000000Z-before
fi
# The same site published twice in one second: a name of its own, never into the other.
if [ -e "releases/$release" ]; then release="$release-$$"; fi
# A hard-link copy is instant and needs no space for unchanged files; rsync replaces
# changed files by rename, so files of older releases are never changed in place.
rm -rf "releases/.$release.tmp"
cp -al staging "releases/.$release.tmp"
mv -T "releases/.$release.tmp" "releases/$release"
# rename(2) over the old link is atomic; 'ln -sfn' alone is not.
rm -f .current.new
ln -s "releases/$release" .current.new
mv -T .current.new current
live="$(basename "$(readlink current)")"
if [ "$live" != "$release" ]; then echo "current points at $live, not at $release" >&2; exit 5; fi
echo "live: $live"
# The new release is live: an old one that cannot be removed is a warning, not a failure.
ls -1 releases | grep -v '^\.' | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
  [ "$old" = "$live" ] || rm -rf -- "releases/$old" || echo "warning: could not remove releases/$old" >&2
done
