#!/bin/sh
# compare.sh measures the qr package against vietnam-qr-pay (npm, the most
# used open-source VietQR library) on the same work in the same run:
# encoding the stall-sign payload (static, BIN 970436, account
# 0011001234567, purpose "THANH TOAN HANG") and decoding it. It prints
# both timings and the speed-up.
#
# The npm package is installed with --no-save into a directory outside the
# repository (SAPQR_BENCH_NODE_DIR, default $TMPDIR/sapqr-bench-node) and
# reused on later runs. Needs Go, Node.js and npm.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=1.5.1
nodedir=${SAPQR_BENCH_NODE_DIR:-${TMPDIR:-/tmp}/sapqr-bench-node}
rounds=${ROUNDS:-10}

mkdir -p "$nodedir"
if [ "$(cd "$nodedir" && node -p "try { require('vietnam-qr-pay/package.json').version } catch (e) { '' }")" != "$version" ]; then
	(cd "$nodedir" && npm install --no-save --no-audit --no-fund --silent "vietnam-qr-pay@$version")
fi
cp "$here/baseline.js" "$nodedir/baseline.js" # so require() finds the package

# Alternate short rounds of the two sides so that both meet the same
# machine: on a shared machine the load changes from one second to the next.
(cd "$root" && go test -c -o "$nodedir/qr.test" ./qr)
go_out=
node_out=
i=0
while [ "$i" -lt "$rounds" ]; do
	go_out="$go_out
$("$nodedir/qr.test" -test.run '^$' -test.bench '^Benchmark(Encode|Decode)$' -test.benchmem -test.benchtime 100000x -test.count 3)"
	node_out="$node_out
$(node "$nodedir/baseline.js")"
	i=$((i + 1))
done

# Best of the runs on both sides: the least disturbed measurement.
best() { printf '%s\n' "$go_out" | awk -v name="$1" '$1 ~ "^"name"(-[0-9]+)?$" { if (min == "" || $3 < min) min = $3 } END { print min }'; }
allocs() { printf '%s\n' "$go_out" | awk -v name="$1" '$1 ~ "^"name"(-[0-9]+)?$" { a = $7 } END { print a }'; }
# node_out has one JSON line per round; field prints the smallest value of
# a numeric field, or the last value of any other.
field() {
	printf '%s\n' "$node_out" | node -e '
		const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean).map(JSON.parse);
		const v = lines.map(l => l[process.argv[1]]);
		console.log(typeof v[0] === "number" ? Math.min(...v) : v[v.length - 1]);
	' "$1"
}

go_enc=$(best BenchmarkEncode)
go_dec=$(best BenchmarkDecode)
js_enc=$(field encode_ns)
js_dec=$(field decode_ns)

printf '%s\n' "$go_out" | grep '^Benchmark'
echo
echo "baseline: $(field library) on Node.js $(field node)"
awk -v ge="$go_enc" -v gd="$go_dec" -v je="$js_enc" -v jd="$js_dec" -v ae="$(allocs BenchmarkEncode)" -v ad="$(allocs BenchmarkDecode)" 'BEGIN {
	printf "%-8s %14s %10s %18s %9s\n", "work", "sapqr/qr ns/op", "allocs/op", "vietnam-qr-pay ns", "speed-up"
	printf "%-8s %14.1f %10s %18.1f %8.1fx\n", "encode", ge, ae, je, je / ge
	printf "%-8s %14.1f %10s %18.1f %8.1fx\n", "decode", gd, ad, jd, jd / gd
}'
