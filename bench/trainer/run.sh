#!/usr/bin/env bash
# Trains and evaluates the applicable architectures on every real data set under a data root laid out like
# ../shared/data (clip-ideeps/<experiment>/{train,test}.fa.gz, rnacompete-dlprb/<id>_{train,test}.txt.gz,
# ideep-region/PUM2_*), and prints a Markdown table: test metric, the published figure, epochs and seconds per epoch.
# Usage: bench/trainer/run.sh [data-root=../shared/data]
# Environment: EPOCHS (default 5), THREADS (default 1; on a loaded 2-core box 2 threads can be slower),
#              ONLY (comma-separated model names, e.g. residualbind-clip-23_PARCLIP_PUM2_hg19), OUT (run folders).
# Stages already done with the same data and settings are skipped, so an interrupted run continues where it stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(realpath "${1:-../shared/data}")
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
