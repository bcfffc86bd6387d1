#!/bin/bash
# Builds the google Terraform provider from its Go module (the Terraform registry is out of reach
# here) into a cache, and prints the directory to name in a dev_overrides block. Needs Go and the
# Go module proxy; about 10 minutes and 2 GB of module cache the first time, nothing after.
#
# Only the provider's main branch is served by the proxy as a module version (its v6/v7 tags are
# not valid module versions: the module path has no /v6 suffix), so this pins one main commit.
# google-beta is not served at all.
#
#   scripts/terraform-provider.sh            build if missing, print the directory
#   ODIN_TF_PROVIDER_DIR=...                 where to keep it (default ~/.cache/odin-ws/terraform)
set -euo pipefail
version=v1.20.1-0.20260828184646-f3721fb45fa3 # main on 2026-08-28 (provider 7.x)
dir="${ODIN_TF_PROVIDER_DIR:-$HOME/.cache/odin-ws/terraform}/$version"
if [ ! -x "$dir/terraform-provider-google" ]; then
  command -v go >/dev/null || { echo "terraform-provider: Go is needed to build the provider" >&2; exit 1; }
  mkdir -p "$dir"
  GOBIN="$dir" go install "github.com/hashicorp/terraform-provider-google@$version" >&2
fi
echo "$dir"
