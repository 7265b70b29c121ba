#!/usr/bin/env bash
# Trains and evaluates the applicable architectures on every real data set under a data root laid out like
# ../shared/data (clip-ideeps/<experiment>/{train,test}.fa.gz, rnacompete-dlprb/<id>_{train,test}.txt.gz,
# ideep-region/PUM2_*), and prints a Markdown table: test metric, the published figure, epochs and seconds per epoch.
# Usage: bench/trainer/run.sh [data-root=../shared/data]
# Environment: EPOCHS (default 5), THREADS (default 1; on a loaded 2-core box 2 threads can be slower),
#              ONLY (comma-separated model names, e.g. residualbind-clip-23_PARCLIP_PUM2_hg19), OUT (run folders).
# Stages already done with the same data and settings are skipped, so an interrupted run continues where it stopped.
#
# Served CLIP recipe benchmark, multi-task (the recipe of docs/clip-recipe.md):
#   MULTITASK=1 PRESET=clip-binary bench/trainer/run.sh [data-root]
#   one entry naming only the preset and a data set of all the clip-ideeps experiments (or EXPERIMENTS) as a folder
#   (`experiments:`), so one multi-task ensemble: its members are trained JOBS at a time (`rbp train --only <member>`),
#   then the ensemble is exported and published; each experiment's test file is predicted over gRPC with
#   `rbp predict --task <experiment>`. The CPU minutes per experiment are the whole run's divided by the experiments.
#
# Served CLIP recipe benchmark, one model per experiment: PRESET=clip-binary [SEEDS=1,2,3] bench/trainer/run.sh [data-root]
#   trains every clip-ideeps experiment (or EXPERIMENTS, comma-separated) with `rbp train` on a pipeline file whose
#   entry names only the data set and the preset (with SEEDS: one entry per seed, each served on its own), JOBS
#   (default 2) models at a time with THREADS (default 1) each, timing each `rbp train` (user + sys CPU); exports and publishes the
#   models into $OUT/repository, serves that repository with `rbp serve`, predicts every test file over gRPC with
#   `rbp predict`, stops the server and prints the table of served test AUROC beside the published figures
#   (ServedEvaluation.cs): per seed, and with several seeds the AUROC of the mean served logit (what an ensemble graph of the seeds serves). The first
#   model's AUROC is recomputed with sklearn (/usr/bin/python3) from the same TSV as a check.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(realpath "${1:-../shared/data}")
if [[ -n "${PRESET:-}" ]]; then
  threads=${THREADS:-1}
  jobs=${JOBS:-2}
  out=$(mkdir -p "${OUT:-runs/bench-clip-$PRESET}" && realpath "${OUT:-runs/bench-clip-$PRESET}")
  port=${PORT:-50197}
  # Our AUROC of the first experiment recomputed with sklearn from the same TSV, as a check.
  sklearn_check() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import gzip, sys
from sklearn.metrics import roc_auc_score
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
column = next(i for i, h in enumerate(rows[0]) if h.endswith("_probability"))
labels = [int(l.split("class:")[1]) for l in gzip.open(sys.argv[2], "rt") if l.startswith(">")]
print(f"sklearn check ({sys.argv[1].split('/')[-1]}): roc_auc_score = {roc_auc_score(labels, [float(r[column]) for r in rows[1:]]):.6f}")
PY
  }
  dotnet build bench/trainer/RbpPipeline.Bench.Trainer.csproj -c Release -v q -nologo >/dev/null
  if [[ -n "${EXPERIMENTS:-}" ]]; then IFS=, read -r -a experiments <<< "$EXPERIMENTS"
  else mapfile -t experiments < <(cd "$root/clip-ideeps" && ls -d -- */ | tr -d /); fi
  if [[ -n "${MULTITASK:-}" ]]; then
    list=$(printf '"%s", ' "${experiments[@]}")
    cat > "$out/pipeline.yaml" <<YAML
# Written by bench/trainer/run.sh (MULTITASK=1 PRESET=$PRESET); data paths are relative to --data ($root).
version: 1
stages: [prepare, train, evaluate, export, publish]
repository: repository
datasets:
  clip:
    format: fasta
    experiments: [${list%, }]
    train: clip-ideeps/{rbp}/train.fa.gz
    test: clip-ideeps/{rbp}/test.fa.gz
models:
  clip: { preset: $PRESET, dataset: clip }
YAML
    # The members (every model but the last, the ensemble), JOBS at a time, each in its own timed process.
    mapfile -t models < <(./rbp train "$out/pipeline.yaml" --data "$root" --out "$out" --status | awk 'NR > 1 && !/model\(s\)/ { print $1 }')
    echo "bench/trainer: MULTITASK PRESET=$PRESET, models ${models[*]}, on ${#experiments[@]} experiment(s), $jobs at a time, $threads thread(s) each; run folders in $out" >&2
    printf '%s\n' "${models[@]:0:${#models[@]}-1}" | xargs -P "$jobs" -I{} sh -c \
      '/usr/bin/time -f "%U %S" -o "$1/$2.cpu" ./rbp train "$1/pipeline.yaml" --only "$2" --data "$3" --out "$1" --threads "$4" > "$1/$2.log" 2>&1 || { echo "rbp train $2 failed: see $1/$2.log" >&2; exit 255; }' \
      sh "$out" {} "$root" "$threads"
    /usr/bin/time -f "%U %S" -o "$out/clip.cpu" ./rbp train "$out/pipeline.yaml" --only clip --data "$root" --out "$out" --threads "$threads" > "$out/clip.log" 2>&1 \
      || { echo "rbp train clip failed: see $out/clip.log" >&2; exit 1; }
    ./rbp serve --repo "$out/repository" --port "$port" --no-web --threads "$threads" > "$out/serve.log" 2>&1 &
    server=$!
    trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
    # Every process's CPU, shared evenly by the experiments (one model serves them all).
    share=$(for m in "${models[@]}"; do cat "$out/$m.cpu"; done | awk -v n="${#experiments[@]}" '{ u += $1; s += $2 } END { printf "%.2f %.2f", u / n, s / n }')
    for experiment in "${experiments[@]}"; do
      echo "$share" > "$out/clip-$experiment.cpu"
      for attempt in $(seq 1 60); do
        if ./rbp predict "$root/clip-ideeps/$experiment/test.fa.gz" --model clip --task "$experiment" --server "http://127.0.0.1:$port" \
            --out "$out/clip-$experiment.test.tsv" 2>> "$out/predict.log"; then break; fi
        [[ $attempt == 60 ]] && { echo "rbp predict clip --task $experiment failed: see $out/predict.log" >&2; exit 1; }
        sleep 2
      done
    done
    kill "$server"; wait "$server" 2>/dev/null || true; trap - EXIT
    dotnet bench/trainer/bin/Release/net10.0/RbpPipeline.Bench.Trainer.dll served "$out" "$root/clip-ideeps" clip "${experiments[@]}"
    sklearn_check "$out/clip-${experiments[0]}.test.tsv" "$root/clip-ideeps/${experiments[0]}/test.fa.gz"
    exit 0
  fi
  # Without SEEDS one entry "clip" (for clip-binary: the ensemble and its members, one graph published); with SEEDS
  # one entry "clip-s<seed>" per seed, so that each model is served on its own.
  if [[ -n "${SEEDS:-}" ]]; then IFS=, read -r -a seeds <<< "$SEEDS"; names=(); for seed in "${seeds[@]}"; do names+=("clip-s$seed"); done
  else seeds=(""); names=(clip); fi
  # Each entry names only the data set and the preset (and with SEEDS its seed).
  {
    cat <<YAML
# Written by bench/trainer/run.sh (PRESET=$PRESET SEEDS=${SEEDS:-}); data paths are relative to --data ($root).
version: 1
stages: [prepare, train, evaluate, export, publish]
repository: repository
datasets:
  clip:
    format: fasta
    each: "*"
    train: clip-ideeps/{rbp}/train.fa.gz
    test: clip-ideeps/{rbp}/test.fa.gz
models:
YAML
    for k in "${!names[@]}"; do echo "  ${names[$k]}: { preset: $PRESET, dataset: clip${seeds[$k]:+, seed: ${seeds[$k]}} }"; done
  } > "$out/pipeline.yaml"
  echo "bench/trainer: PRESET=$PRESET, models ${names[*]}, on ${#experiments[@]} experiment(s), $jobs at a time, $threads thread(s) each; run folders in $out" >&2
  train_each() {  # trains the models named on standard input, JOBS at a time, each timed in its own `rbp train`
    xargs -P "$jobs" -I{} sh -c \
      '/usr/bin/time -f "%U %S" -o "$1/$2.cpu" ./rbp train "$1/pipeline.yaml" --only "$2" --data "$3" --out "$1" --threads "$4" > "$1/$2.log" 2>&1 || { echo "rbp train $2 failed: see $1/$2.log" >&2; exit 255; }' \
      sh "$out" {} "$root" "$threads"
  }
  # The preset's shared members (`<entry>.multitask-…`: one multi-task model over all the experiments, whose heads the
  # experiments' ensembles take) train first, once; their CPU is shared evenly by the experiments below.
  mapfile -t shared < <(./rbp train "$out/pipeline.yaml" --data "$root" --out "$out" --status |
    awk -v names=" ${names[*]} " 'NR > 1 { split($1, p, "."); if (p[2] != "" && index(names, " " p[1] " ")) print $1 }')
  [[ ${#shared[@]} -gt 0 ]] && printf '%s\n' "${shared[@]}" | train_each
  # Each experiment's models in their own `rbp train`, so that their CPU time is their own; stages already done are
  # skipped on a rerun. Seed by seed, so that a run cut short has every experiment's first seeds.
  for name in "${names[@]}"; do for experiment in "${experiments[@]}"; do echo "$name-$experiment"; done; done | train_each
  for name in "${names[@]}"; do
    share=$(for m in "${shared[@]}"; do [[ $m == "$name".* ]] && cat "$out/$m.cpu"; done | awk -v n="${#experiments[@]}" '{ u += $1; s += $2 } END { printf "%.2f %.2f", u / n, s / n }')
    for experiment in "${experiments[@]}"; do
      read -r u s < "$out/$name-$experiment.cpu"; read -r su ss <<< "$share"
      awk -v u="$u" -v s="$s" -v su="$su" -v ss="$ss" 'BEGIN { printf "%.2f %.2f\n", u + su, s + ss }' > "$out/$name-$experiment.cpu"
    done
  done
  ./rbp serve --repo "$out/repository" --port "$port" --no-web --threads "$threads" > "$out/serve.log" 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
  for experiment in "${experiments[@]}"; do for name in "${names[@]}"; do
    model="$name-$experiment"
    for attempt in $(seq 1 60); do
      if ./rbp predict "$root/clip-ideeps/$experiment/test.fa.gz" --model "$model" --server "http://127.0.0.1:$port" \
          --out "$out/$model.test.tsv" 2>> "$out/predict.log"; then break; fi
      [[ $attempt == 60 ]] && { echo "rbp predict $model failed: see $out/predict.log" >&2; exit 1; }
      sleep 2
    done
  done; done
  kill "$server"; wait "$server" 2>/dev/null || true; trap - EXIT
  prefixes=$(printf '%s,' "${names[@]}")
  dotnet bench/trainer/bin/Release/net10.0/RbpPipeline.Bench.Trainer.dll served "$out" "$root/clip-ideeps" "${prefixes%,}" "${experiments[@]}"
  sklearn_check "$out/${names[0]}-${experiments[0]}.test.tsv" "$root/clip-ideeps/${experiments[0]}/test.fa.gz"
  exit 0
fi
epochs=${EPOCHS:-5}
threads=${THREADS:-1}
out=${OUT:-runs/bench-trainer}

dotnet build bench/trainer/RbpPipeline.Bench.Trainer.csproj -c Release -v q -nologo >/dev/null

mkdir -p "$out"
yaml="$out/bench-pipeline.yaml"
cat > "$yaml" <<YAML
# Written by bench/trainer/run.sh; data paths are relative to --data ($root).
version: 1
seed: 1
stages: [prepare, train, evaluate]
datasets:
  clip:
    format: fasta
    each: "*"
    train: clip-ideeps/{rbp}/train.fa.gz
    test: clip-ideeps/{rbp}/test.fa.gz
    validation_fraction: 0.1
  rnacompete:
    format: rnacompete
    each: "RNCMPT*"
    train: rnacompete-dlprb/{rbp}_train.txt.gz
    test: rnacompete-dlprb/{rbp}_test.txt.gz
    validation_fraction: 0.1
  region:
    format: fasta
    tasks: [PUM2]
    train: ideep-region/PUM2_training_sample_0_sequences.fa.gz
    test: ideep-region/PUM2_test_sample_0_sequences.fa.gz
    tracks:
      - name: region
        format: region-matrix
        train: ideep-region/PUM2_training_sample_0_matrix_RegionType.tab.gz
        test: ideep-region/PUM2_test_sample_0_matrix_RegionType.tab.gz
models:
  residualbind-clip:
    architecture: residualbind
    dataset: clip
    encoding: { length: 101 }
    training: { epochs: $epochs, batch_size: 100, learning_rate: 0.001, loss: bce, monitor: auroc }
  residualbind-rnc:
    architecture: residualbind
    dataset: rnacompete
    encoding: { length: 41 }
    label_transform: [{ kind: clip, upper_percentile: 99.9 }, zscore]
    training: { epochs: $epochs, batch_size: 100, learning_rate: 0.001, loss: mse, monitor: pearson }
  ideeps-clip:
    architecture: ideeps
    dataset: clip
    hyperparameters: { lstm_output: sequence }   # final-state reduction does not learn at 101 nt (docs/networks.md)
    encoding: { length: 101 }
    training: { epochs: $epochs, batch_size: 50, loss: bce, monitor: auroc }
  deepripe-region:
    architecture: deepripe
    dataset: region
    tracks: [region]
    encoding: { length: 101 }
    training: { epochs: $epochs, batch_size: 128, loss: weighted-bce, monitor: auroc }
  multiresbind-region:
    architecture: multiresbind
    dataset: region
    tracks: [region]
    encoding: { length: 101 }
    training: { epochs: $epochs, batch_size: 128, learning_rate: 0.001, loss: bce, monitor: auroc }
YAML

published="residualbind-clip-23_PARCLIP_PUM2_hg19=0.962 (iDeepS),residualbind-clip-24_PARCLIP_QKI_hg19=0.966 (iDeepS),residualbind-clip-17_ICLIP_HNRNPC_hg19=0.975 (iDeepS)"
published="$published,ideeps-clip-23_PARCLIP_PUM2_hg19=0.962 (iDeepS),ideeps-clip-24_PARCLIP_QKI_hg19=0.966 (iDeepS),ideeps-clip-17_ICLIP_HNRNPC_hg19=0.975 (iDeepS),residualbind-rnc-RNCMPT00001=0.679 DLPRB / 0.751 ThermoNet,residualbind-rnc-RNCMPT00002=0.785 DLPRB / 0.792 ThermoNet"
echo "bench/trainer: data $root, $epochs epochs, $threads thread(s), run folders in $out" >&2
dotnet bench/trainer/bin/Release/net10.0/RbpPipeline.Bench.Trainer.dll "$yaml" --out "$out" --data "$root" --threads "$threads" \
  --published "$published" ${ONLY:+--only "$ONLY"}
