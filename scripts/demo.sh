#!/usr/bin/env bash
# The main job, for now in one process: a hub and seven county and city
# replicas sync real cases through the deterministic simulation, with
# faults, and the run proves they converge without losing a write.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
seed=${1:-42}
echo "Simulating the city hub, Longyou office + field laptop, Kaihua, Qujiang, Jiangshan, Changshan and a city desk (seed $seed)..."
build/tests/sim/liaison-sim --seed "$seed"
