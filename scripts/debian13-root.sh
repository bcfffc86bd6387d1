#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Makes a minimal Debian 13 (trixie) root: what a fresh GCE debian-13 instance has of what startup.sh
# runs: curl (metadata) and openssh-client (ssh-keygen verifies the release's signature). The startup test
# boots the release in it, to show the release runs on Debian 13 with nothing else installed.
#
#   scripts/debian13-root.sh [DIR]    default ~/.cache/odin-ws/debian13-root; prints DIR
#
# Needs root and debootstrap (Debian's package; .ci/run installs it). Built once (about a minute):
# a root that finished carries a stamp, and a later call only prints its path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${1:-$HOME/.cache/odin-ws/debian13-root}"
stamp="$root/.odin-debian13-root"
include=curl,openssh-client
# A root built with another package list is built again.
if [ "$(cat "$stamp" 2>/dev/null)" = "$include" ]; then echo "$root"; exit 0; fi

command -v debootstrap >/dev/null || { echo "debian13-root: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
# shellcheck source=lib/debian-mirror.sh
source "$here/lib/debian-mirror.sh"
mirror=$(debian_mirror)
[ -n "$mirror" ] || { echo "debian13-root: no Debian mirror configured for apt (set ODIN_DEBIAN_MIRROR)" >&2; exit 1; }
rm -rf "$root"
mkdir -p "$(dirname "$root")"
log="$(dirname "$root")/debian13-root.log"
debootstrap --variant=minbase --include="$include" trixie "$root" "$mirror" >"$log" 2>&1 ||
  { echo "debian13-root: debootstrap failed (see $log)" >&2; exit 1; }
echo "$include" > "$stamp"
echo "$root"
