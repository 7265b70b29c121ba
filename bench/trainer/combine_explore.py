#!/usr/bin/python3
"""Validation AUROC of ensembles of explored members (bench/trainer `explore` output), as the ensemble graph scores:
the mean of the members' logits.

Usage: bench/trainer/combine_explore.py OUT NAME=CANDIDATE:SEED[+CANDIDATE:SEED...] ...
  OUT        the --out folder of one or more `explore` runs (every run must use the same split: the model's seed and
             validation_fraction, which `explore` keeps fixed while --seeds varies only the members)
  CANDIDATE  a model entry name of the explored pipeline file; a single-task fan-out member is read from
             OUT/<candidate>-<experiment>/seed-<seed>.json, a multi-task one from OUT/<candidate>/seed-<seed>.json
             (its head for the experiment)
Prints one row per NAME over the 4 hard clip-ideeps experiments; fails if two members' validation labels differ.
"""
import json
import os
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

HARD = {
    "Ago2": "2_PARCLIP_AGO2MNASE_hg19",
    "IGF2BP": "15_PARCLIP_IGF2BP123_hg19",
    "hnRNPL": "18_ICLIP_hnRNPL_Hela_group_3975_all-hnRNPL-Hela-hg19_sum_G_hg19--ensembl59_from_2337-2339-741_bedGraph-cDNA-hits-in-genome",
    "MOV10": "21_PARCLIP_MOV10_Sievers_hg19",
}


def member(out, candidate, seed, experiment):
    """(labels, probabilities) of one member on one experiment's validation part, or None when it was not run."""
    single = f"{out}/{candidate}-{experiment}/seed-{seed}.json"
    if os.path.exists(single):
        run = json.load(open(single))
        task = run["tasks"][0] if "tasks" in run else run  # before per-task output, one task at the top level
    else:
        multi = f"{out}/{candidate}/seed-{seed}.json"
        if not os.path.exists(multi):
            return None
        task = next((t for t in json.load(open(multi))["tasks"] if t["task"] == experiment), None)
        if task is None:
            return None
    return np.array(task["validationLabels"]), np.array(task["validationProbabilities"])


def main(out, specs):
    print("%-40s" % "ensemble" + "".join("%9s" % k for k in HARD) + "     mean")
    for spec in specs:
        name, members = spec.split("=")
        row = []
        for experiment in HARD.values():
            labels, logits = None, []
            for m in members.split("+"):
                candidate, seed = m.split(":")
                got = member(out, candidate, seed, experiment)
                if got is None:
                    logits = None
                    break
                y, p = got
                if labels is not None and not np.array_equal(labels, y):
                    sys.exit(f"{m}: validation labels of {experiment} differ from the other members' (another split)")
                labels = y
                p = np.clip(p, 1e-7, 1 - 1e-7)
                logits.append(np.log(p / (1 - p)))
            row.append(None if logits is None else roc_auc_score(labels, np.mean(logits, axis=0)))
        done = [r for r in row if r is not None]
        print("%-40s" % name + "".join("%9s" % ("-" if r is None else "%.4f" % r) for r in row)
              + ("   %.4f" % np.mean(done) if len(done) == len(row) else ""))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
