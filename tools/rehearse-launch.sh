#!/usr/bin/env bash
# A launch rehearsal: a local anvil posing as Arbitrum Sepolia (chain id 421614, a block every second),
# the real launch command against it with a TimelockController as governance (2-day delay, proposed
# by a second account), then verify-deployment and status. Nothing here is local-only: the same
# commands with a real RPC URL and a real account are the launch (README, "Launching").
#   tools/rehearse-launch.sh [OUT_DIR]      (default: a fresh temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/bin:$PWD/.venv/bin:$PATH" SOLCX_BINARY_PATH="$PWD/.solcx"
out="${1:-$(mktemp -d)}"
port="${REHEARSAL_PORT:-8547}"
node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil --chain-id 421614 --block-time 1 --port "$port" \
  --silent --hardfork cancun &
anvil_pid=$!
trap 'kill $anvil_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -s -o /dev/null -X POST -H 'content-type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "http://127.0.0.1:$port" && break
  sleep 0.2
done
export ARBITRUM_SEPOLIA_RPC_URL="http://127.0.0.1:$port"
net="arbitrum:sepolia:node"
proposer=0x70997970C51812dc3A010C7d01b50e0d17dc79C8  # TEST::1: the multisig that proposes
echo "== 1. a malformed input is refused before any transaction"
ape run deploy --network "$net" --account TEST::0 --timelock-delay 172800 --timelock-proposer 0x7099 \
  --out "$out" --yes || true
echo "== 2. a launch that dies after 20 steps"
ape run deploy --network "$net" --account TEST::0 --timelock-delay 172800 --timelock-proposer "$proposer" \
  --out "$out" --yes --stop-after 20 || true
echo "== 3. the same command resumes it"
ape run deploy --network "$net" --account TEST::0 --timelock-delay 172800 --timelock-proposer "$proposer" \
  --out "$out" --yes
echo "== 4. run again: nothing to do"
ape run deploy --network "$net" --account TEST::0 --timelock-delay 172800 --timelock-proposer "$proposer" \
  --out "$out" --yes
echo "== 5. verify"
ape run verify-deployment --network "$net" --manifest "$out/arbitrum-sepolia.json"
if [ -f scripts/status.py ]; then
  echo "== 6. status"
  ape run status --network "$net" --manifest "$out/arbitrum-sepolia.json" --html "$out/report.html"
fi
echo "rehearsal files in $out"
