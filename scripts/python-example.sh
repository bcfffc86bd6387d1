#!/usr/bin/env bash
# The Python reference client's environment (examples/python): a venv with its one package, made once
# and cached. Prints the venv's python. Needs python3 and PyPI (or a pip mirror pip is configured for).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${ODIN_PYTHON_VENV:-$HOME/.cache/odin-ws/python-example}"
requirements="$repo/examples/python/requirements.txt"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi
echo "$venv/bin/python"
