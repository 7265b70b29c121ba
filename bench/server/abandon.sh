#!/usr/bin/env bash
# Usage: bench/server/abandon.sh RBP_DLL PORT — a long GIA k-mer scan against `rbp serve`: the client is killed (server CPU must
# stop growing), then a second scan runs while the server gets SIGTERM (the server must exit within its timeout).
set -u
dll=$1; port=$2
cd "$(dirname "$0")/../.."
w=${TMPDIR:-/tmp}/rbp-abandon-$port; rm -rf $w; mkdir -p $w
[ -d ${TMPDIR:-/tmp}/rbp-abandon-repo ] || dotnet bench/server/bin/Release/net10.0/RbpPipeline.Bench.Server.dll make-repo ${TMPDIR:-/tmp}/rbp-abandon-repo >/dev/null
python3 -c "
import random; random.seed(1)
print(''.join('>s%d\n%s\n' % (i, ''.join(random.choice('ACGU') for _ in range(41))) for i in range(50)))" > $w/ref.fa
extra=""; dotnet $dll serve --help | grep -q max-evaluations && extra="--max-backgrounds 1000000 --max-evaluations 100000000000"
dotnet $dll serve --repo ${TMPDIR:-/tmp}/rbp-abandon-repo --port $port --threads 1 $extra > $w/server.log 2>&1 &
server=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
cpu() { awk '{print ($14+$15)/100}' /proc/$server/stat; }
scan() { dotnet src/Cli/bin/Release/net10.0/rbp.dll gia kmer-scan --k 6 --position 10 --count 50000 --model residualbind --reference $w/ref.fa --out $w/out --server http://127.0.0.1:$port > $w/client.log 2>&1 & client=$!; }
scan; sleep 8
kill -KILL $client; wait $client 2>/dev/null
sleep 1; c1=$(cpu); sleep 3; c2=$(cpu)
echo "after the client was killed: server CPU $c1 s -> $c2 s over 3 s"
scan; sleep 8
t0=$(date +%s.%N); kill -TERM $server
for _ in $(seq 900); do kill -0 $server 2>/dev/null || break; sleep 0.1; done
t1=$(date +%s.%N)
if kill -0 $server 2>/dev/null; then echo "server still running 90 s after SIGTERM (CPU $(cpu) s); killing it"; kill -KILL $server; else echo "server exited $(echo "$t1 - $t0" | bc) s after SIGTERM"; fi
wait $client 2>/dev/null; echo "client: $(tail -1 $w/client.log)"
