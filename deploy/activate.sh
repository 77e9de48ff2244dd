#!/bin/sh
# Runs on the web host: makes this run's uploaded folder the live release in one step.
# Usage: activate.sh BASE WORK RELEASE KEEP   (WORK: see prepare.sh)
set -eu
# A release is marked before its deletion starts (a run killed halfway leaves half of it):
# rollback.sh skips marked releases, and prepare.sh finishes the deletion.
drop() {
  { : > "releases/.dropping-$1"; } 2>/dev/null || true
  if rm -rf -- "releases/$1"; then rm -f "releases/.dropping-$1"; else echo "warning: could not remove releases/$1" >&2; fi
}
umask 022
base="$1"; work="$2"; release="$3"; keep="${4:-5}"
case "$base" in /*) ;; *) echo "BASE must be an absolute path" >&2; exit 2 ;; esac
case "$work" in .*.tmp) ;; *) echo "WORK must be named .<name>.tmp" >&2; exit 2 ;; esac
cd "$base"
test -s "releases/$work/index.html" || { echo "releases/$work holds no site: nothing switched" >&2; exit 3; }
# A web folder that was a plain folder before the first publish becomes the oldest release.
if [ -d current ] && [ ! -L current ]; then
  mv -T current releases/00000000T000000Z-before
fi
# The same site published twice in one second: a name of its own, never into the other.
if [ -e "releases/$release" ]; then release="$release-$$"; fi
mv -T "releases/$work" "releases/$release"
# rename(2) over the old link is atomic; 'ln -sfn' alone is not.
rm -f .current.new
ln -s "releases/$release" .current.new
mv -T .current.new current
live="$(basename "$(readlink current)")"
if [ "$live" != "$release" ]; then echo "current points at $live, not at $release" >&2; exit 5; fi
echo "live: $live"
# The new release is live: an old one that cannot be removed is a warning, not a failure.
ls -1 releases | grep -v '^\.' | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
  [ "$old" = "$live" ] || drop "$old"
done
