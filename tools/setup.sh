#!/usr/bin/env bash
# Idempotent set-up from nothing: Python venv (pinned), npm packages (locked), the solc shim where
# py-solc-x looks, and the ape-foundry stale-log fix. A few seconds when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$py" -m venv .venv
fi
stamp_py="$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ "$(cat .venv/.stamp 2>/dev/null)" != "$stamp_py" ]; then
  echo "setup: installing Python packages (requirements.lock)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.lock
  echo "$stamp_py" > .venv/.stamp
fi

stamp_npm="$(sha256sum package-lock.json | cut -c1-16)"
if [ "$(cat node_modules/.stamp 2>/dev/null)" != "$stamp_npm" ]; then
  echo "setup: installing npm packages (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$stamp_npm" > node_modules/.stamp
fi

# Uniswap V3 from its npm artifacts (the local chain's swap venue): five JSON files, integrity-checked.
.venv/bin/python tools/fetch_venues.py

# solcjs behind the native-solc shim, where py-solc-x (and so ape-solidity) looks for compilers.
solc_version="$(node -p "require('./node_modules/solc/package.json').version")"
mkdir -p .solcx
ln -sf "$root/tools/solc-shim.js" ".solcx/solc-v$solc_version"

# ape-solidity copies every dependency (OpenZeppelin: ~590 files) into contracts/.cache, and Ape
# scans at most 500 files under contracts/: the copies would push the project's own sources out of
# the scan. contracts/.cache is a symlink to .solc-deps/, which the scan does not follow.
# (scripts/_suite/build.py keeps the same rule for runs that skip `make`.)
mkdir -p .solc-deps
if [ -d contracts/.cache ] && [ ! -L contracts/.cache ]; then
  cp -a contracts/.cache/. .solc-deps/ && rm -rf contracts/.cache
fi
[ -L contracts/.cache ] || ln -s ../.solc-deps contracts/.cache

# ape-foundry: a stale stdout.log from an earlier anvil makes every later start time out.
rm -f "${APE_DATA_FOLDER:-$HOME/.ape}/foundry/subprocess_output/stdout.log"

# Headless Chromium (Debian's package) renders the status report in its test. CI machines are fresh:
# install it once where apt can (as root); elsewhere say what is missing.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
  else
    echo "setup: chromium is missing (apt-get install chromium); the status report test needs it" >&2
  fi
fi
