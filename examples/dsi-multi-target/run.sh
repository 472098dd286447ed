#!/bin/sh
# 1 drafter + 7 targets on one host: non-SI, SI and DSI on the same prompt, emulated models with a
# 20:1 target:drafter latency ratio. Extra flags go to `specmesh up` (e.g. --agreement 0.5, --k 3).
set -e
cd "$(dirname "$0")/../.."
node scripts/ensure-setup.mjs
exec node packages/cli/dist/bin.js up --demo --drafters 1 --verifiers 7 \
  --target-ttft-ms 60 --target-tpot-ms 60 --draft-ttft-ms 3 --draft-tpot-ms 3 --k 5 --max-tokens 48 "$@"
