#!/bin/bash
# Builds the odin-ws release: a self-contained tarball that runs on any Linux x64 machine with glibc
# 2.36 or newer and nothing else installed. It carries
#   bin/, node_modules/   the CLI with its workspace packages and production dependencies
#   runtime/bin/node      the Node runtime it was built and tested with (docs/deploy.md says which
#                         and why), so a VM without internet needs no package repository
#   infra/                systemd units and helper scripts of the GCP deployment (infra/gcp)
# Only the uWS binary for linux-x64 and this runtime's ABI is kept (the package ships 18).
# Writes dist/odin-ws-<version>.tgz. Used by infra/gcp (release_url) and the container image.
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
version=$(node -p "require('./apps/cli/package.json').version")
out="$dist/release/odin-ws"
rm -rf "$dist/release"
if [ "$build" = yes ]; then
  pnpm install --frozen-lockfile
  pnpm build
fi
pnpm --filter odin-ws --prod deploy "$out"
rm -rf "$out/src" "$out/test" "$out/tsconfig.json" "$out/tsconfig.tsbuildinfo"

# The runtime: this Node, which must be a supported one (docs/deploy.md#runtime).
supported_major=20
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" != "$supported_major" ]; then
  echo "package-release: Node $(node --version) is not the supported runtime (Node $supported_major): no uWS binary for its ABI" >&2
  exit 1
fi
mkdir -p "$out/runtime/bin"
cp "$(node -p process.execPath)" "$out/runtime/bin/node"

abi=$(node -p process.versions.modules)
find "$out/node_modules" -path '*uws-js-unofficial/*.node' ! -path "*/binaries/uws_linux_x64_${abi}.node" -delete
mkdir -p "$out/infra"
cp -r infra/gcp/systemd infra/gcp/scripts "$out/infra/"

# Fails loudly if anything is missing, the uWS binary for this runtime included.
"$out/runtime/bin/node" "$out/bin/odin-ws.js" --help >/dev/null
(cd "$out" && runtime/bin/node --input-type=module -e "(await import('@odin-ws/shard')).loadNativeUws()")
tar -czf "$dist/odin-ws-${version}.tgz" -C "$dist/release" odin-ws
echo "$dist/odin-ws-${version}.tgz"
