#!/usr/bin/env bash
# Whole-process time of `georep links list` against a `georep serve`, side by side in one hyperfine run
# with the same call made by a Python script using azure-mgmt-redis (benches/links_list.py); prints the
# ratio. Results: target/bench-links-list.{md,json}. See BENCHMARKS.md, "Scripting (issue 5)".
#
#   bash benches/links_list.sh            # RUNS=N (default 100), WARMUP=N (default 10), PORT=N (default 18181)
#
# Needs hyperfine (apt-get install -y hyperfine) and python3 with venv; the venv with azure-mgmt-redis is
# target/python-sdk-venv (made by tests/azure_sdk.rs, or here when it is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${RUNS:-100}
WARMUP=${WARMUP:-10}
PORT=${PORT:-18181}
TOKEN=bench-token
SUB=11111111-2222-3333-4444-555555555555
RG=rg-contoso-inventory
NAME=contoso-inventory-eus
VENV=target/python-sdk-venv
URL=http://127.0.0.1:$PORT

command -v hyperfine >/dev/null || { echo "links_list: hyperfine is not installed (apt-get install -y hyperfine)" >&2; exit 1; }
if ! "$VENV/bin/python" -c 'import azure.mgmt.redis' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q 'azure-mgmt-redis==14.5.0'
fi
cargo build --release --quiet
GEOREP=target/release/georep

"$GEOREP" serve --listen "127.0.0.1:$PORT" --token "$TOKEN" --log target/bench-links-list-serve.log \
    >target/bench-links-list-serve.out 2>&1 &
SERVE=$!
trap 'kill $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q "emulator on" target/bench-links-list-serve.out 2>/dev/null && break
    sleep 0.05
done

GEOREP_CMD="$GEOREP links list --endpoint $URL --token $TOKEN --subscription $SUB --resource-group $RG --name $NAME --output json"
PYTHON_CMD="$VENV/bin/python benches/links_list.py --url $URL --token $TOKEN --subscription $SUB --resource-group $RG --name $NAME"

# Both make one GET of the linked servers and print the same entries.
env -u AZURE_SUBSCRIPTION_ID $GEOREP_CMD >target/bench-links-list-georep.json
$PYTHON_CMD >target/bench-links-list-python.json
python3 - <<'PY'
import json
g = json.load(open("target/bench-links-list-georep.json"))
p = json.load(open("target/bench-links-list-python.json"))
assert [(e["id"], e["properties"]["serverRole"]) for e in g] == [(e["id"], e["properties"]["serverRole"]) for e in p], (g, p)
print(f"links_list: both print {len(g)} entr{'y' if len(g) == 1 else 'ies'}: {[e['name'] for e in g]}")
PY

echo "links_list: georep $("$GEOREP" --version), $("$VENV/bin/python" --version), azure-mgmt-redis $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("azure-mgmt-redis"))'); $(nproc) cores"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" \
    --export-markdown target/bench-links-list.md --export-json target/bench-links-list.json \
    -n "georep links list" "$GEOREP_CMD" \
    -n "python azure-mgmt-redis" "$PYTHON_CMD"

python3 - <<'PY'
import json
r = {x["command"]: x for x in json.load(open("target/bench-links-list.json"))["results"]}
g, p = r["georep links list"], r["python azure-mgmt-redis"]
ratio = p["mean"] / g["mean"]
print(f"links_list: georep {g['mean']*1000:.2f} ms ± {g['stddev']*1000:.2f} (median {g['median']*1000:.2f}), "
      f"python {p['mean']*1000:.1f} ms ± {p['stddev']*1000:.1f} (median {p['median']*1000:.1f}): "
      f"georep is {ratio:.1f}x faster (target >= 20x: {'met' if ratio >= 20 else 'NOT met'})")
PY
