#!/bin/bash
# Builds the odin-ws release: the CLI with its workspace packages and production dependencies,
# runnable with `node bin/odin-ws.js` on any Linux x64 machine with Node 20 (the uWS binary is
# prebuilt for it). Writes dist/odin-ws-<version>.tgz. Used by infra/gcp (release_url) and the image.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p "require('./apps/cli/package.json').version")
out=dist/release/odin-ws
rm -rf dist/release
pnpm install --frozen-lockfile
pnpm build
pnpm --filter odin-ws --prod deploy "$out"
rm -rf "$out/src" "$out/test" "$out/tsconfig.json" "$out/tsconfig.tsbuildinfo"
node "$out/bin/odin-ws.js" --help >/dev/null # fails loudly if anything is missing
tar -czf "dist/odin-ws-${version}.tgz" -C dist/release odin-ws
echo "dist/odin-ws-${version}.tgz"
