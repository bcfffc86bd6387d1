#!/bin/bash
# Builds the odin-ws release: a self-contained tarball that runs on any Linux machine of the build's
# architecture (x64 or arm64) with glibc 2.38 or newer (Debian 13, Ubuntu 24.04, RHEL 10) and nothing
# else installed. It carries
#   bin/, node_modules/   the CLI with its workspace packages and production dependencies
#   runtime/bin/node      the pinned Node (node-linux-<arch>, as released: not the copy packages/runtime
#                         adapts to an older host), the one it was tested with (docs/deploy.md#runtime),
#                         so a VM without internet needs no package repository
#   infra/                systemd units and helper scripts of the GCP deployment (infra/gcp)
# Only the uWS binary for linux-<arch> and the supported ABI is kept (the package ships 20), and its
# sha256 must be the one recorded in packages/shard/src/platform/uws.ts.
# Writes dist/odin-ws-<version>.tgz. Used by infra/gcp (release_url) and the container image.
# With ODIN_RELEASE_SIGNING_KEY=<private key file> (OpenSSH, e.g. ssh-keygen -t ed25519), also its
# detached signature, dist/odin-ws-<version>.tgz.sig (ssh-keygen -Y sign, namespace odin-ws-release),
# which every instance verifies against the public key the Terraform names (docs/releasing.md).
#
#   --no-build    package the current build (pnpm install and pnpm build already ran)
#   --dist DIR    write there instead of dist/ (an absolute path)
set -euo pipefail
cd "$(dirname "$0")/.."
build=yes
dist="$PWD/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=no ;;
    --dist) dist="$2"; shift ;;
    *) echo "package-release: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
out="$dist/release/odin-ws"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "package-release: no Node is pinned for $(uname -m) (x86_64 and aarch64 are)" >&2; exit 1 ;;
esac
rm -rf "$dist/release"
if [ "$build" = yes ]; then
  pnpm install --frozen-lockfile
  pnpm build
fi
# The workspace's runtime runs the checks below; on a host older than the release's target it is
# the adapted copy, while the release carries Node exactly as released.
dev_node="$PWD/packages/runtime/.runtime/bin/node"
release_node="$PWD/packages/runtime/node_modules/node-linux-$arch/bin/node"
if [ ! -x "$dev_node" ] || [ ! -x "$release_node" ]; then
  echo "package-release: the runtime is not set up: run pnpm install" >&2
  exit 1
fi
# The Node the release carries is the pinned build (packages/runtime/pinned.txt), byte for byte.
node_pin=$(awk -v name="node-linux-$arch" '$1 == "node" && $2 == name { print $4 }' packages/runtime/pinned.txt)
node_sha256=$(sha256sum "$release_node" | cut -d' ' -f1)
if [ "$node_sha256" != "$node_pin" ]; then
  echo "package-release: $release_node has sha256 $node_sha256, not the pinned $node_pin (packages/runtime/pinned.txt)" >&2
  exit 1
fi
version=$("$dev_node" -p "require('./apps/cli/package.json').version")
pnpm --filter odin-ws --prod deploy "$out"
rm -rf "$out/src" "$out/test" "$out/tsconfig.json" "$out/tsconfig.tsbuildinfo"

mkdir -p "$out/runtime/bin"
cp "$release_node" "$out/runtime/bin/node"

# One uWS binary: linux-<arch> at the supported ABI, checked against the hash recorded in uws.ts.
# shellcheck disable=SC2016 # JavaScript, with its own template literals
uws_check='const { UWS_PACKAGE, uwsBinaryPath, sha256OfFile } = await import("@odin-ws/shard");
const UWS_BINARY_SHA256 = UWS_PACKAGE.sha256s;
const binary = uwsBinaryPath({ platform: "linux", arch: process.arch, abi: process.versions.modules });
const name = binary.split("/").pop();
if (!(name in UWS_BINARY_SHA256)) throw new Error(`${name}: no uWS binary is recorded for this platform and ABI (uws.ts)`);
if (sha256OfFile(binary) !== UWS_BINARY_SHA256[name]) throw new Error(`${binary} is not the recorded uWS build (sha256 ${sha256OfFile(binary)}, recorded ${UWS_BINARY_SHA256[name]})`);
console.log(name);'
keep=$(cd "$out" && "$dev_node" --input-type=module -e "$uws_check") || { echo "package-release: the uWS binary check failed" >&2; exit 1; }
find "$out/node_modules" -path '*uwebsockets.js/uws_*.node' ! -name "$keep" -delete
mkdir -p "$out/infra"
cp -r infra/gcp/systemd infra/gcp/scripts "$out/infra/"

# Fails loudly if anything is missing, the uWS binary included: the release's code on the workspace's
# runtime (the release's own Node is that same version).
"$dev_node" "$out/bin/odin-ws.js" --version >/dev/null
[ "$("$out/runtime/bin/node" --version)" = "$("$dev_node" --version)" ] || { echo "package-release: the release's Node is not the workspace's" >&2; exit 1; }
tar -czf "$dist/odin-ws-${version}.tgz" -C "$dist/release" odin-ws
if [ -n "${ODIN_RELEASE_SIGNING_KEY:-}" ]; then
  rm -f "$dist/odin-ws-${version}.tgz.sig"
  ssh-keygen -q -Y sign -f "$ODIN_RELEASE_SIGNING_KEY" -n odin-ws-release "$dist/odin-ws-${version}.tgz" ||
    { echo "package-release: could not sign with $ODIN_RELEASE_SIGNING_KEY" >&2; exit 1; }
fi
echo "$dist/odin-ws-${version}.tgz"
