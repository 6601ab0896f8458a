# Sourced by the examples: where the executable is and where results go.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ISINGMF=${ISINGMF:-$root/build/src/isingmf}
out_dir=${1:-$(mktemp -d)}
mkdir -p "$out_dir"
echo "results in $out_dir" >&2
