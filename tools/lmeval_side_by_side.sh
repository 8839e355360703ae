#!/usr/bin/env bash
# Side-by-side check of `ssmlab eval` against an installed lm-evaluation-harness
# (its own CLI, HF backend, CPU, fp32), on the task rows in the Hub's schemas
# that the tests use (datasets/benchmarks/testdata/{tasks,seed1}) and four tiny
# random HF checkpoints (Mamba, GPT-NeoX, Llama with grouped K/V heads, OLMo
# with clip_qkv) written by transformers with the test tokenizer. For each row set, model and shot count (0 and 5) it runs
#   lm_eval --model hf --include_path YAMLS --tasks sbs_<task>,... --log_samples
#   ssmlab eval --tasks <task>,... --log-samples
# and compares every request's arguments, log-likelihood (|diff| <= TOL,
# default 1e-4) and is_greedy, every document's metrics, and the aggregate
# metrics and stderrs (tools/lmeval_side_by_side.py). lm-eval's task YAMLs
# are its own, included from the installed package; only the dataset is
# pointed at local Parquet files. Five shots come from a copy of the
# evaluation rows standing in for the few-shot split.
#
# Usage: tools/lmeval_side_by_side.sh VENV [WORKDIR]
#   VENV     a Python environment with lm-eval's HF backend:
#            python -m venv VENV && VENV/bin/pip install 'lm-eval[hf]'
#   WORKDIR  where models, data, and both tools' outputs go (default: a new
#            temporary directory); kept for inspection
# Needs Go (builds ssmlab from this checkout); nothing is downloaded.
set -euo pipefail

VENV=${1:?usage: tools/lmeval_side_by_side.sh VENV [WORKDIR]}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/lmeval-sbs.XXXXXX")}
TOL=${TOL:-1e-4}
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then
	echo "lmeval_side_by_side: $PY does not exist (give the path of a Python venv)" >&2
	exit 2
fi
if ! "$PY" -c 'import lm_eval, torch, transformers, accelerate' 2>/dev/null; then
	echo "lmeval_side_by_side: $VENV lacks lm-eval's HF backend; install it with: $PY -m pip install 'lm-eval[hf]'" >&2
	exit 2
fi
mkdir -p "$WORK"
cd "$ROOT"
echo "lmeval_side_by_side: lm-eval $("$PY" -c 'import importlib.metadata as m; print(m.version("lm-eval"))'), transformers $("$PY" -c 'import transformers; print(transformers.__version__)'), torch $("$PY" -c 'import torch; print(torch.__version__)'); work in $WORK"

go build -o "$WORK/ssmlab" ./cmd/ssmlab
# everything is local: never reach for the Hub
export HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HOME="$WORK/hf_home"
"$PY" tools/lmeval_side_by_side.py models --tokenizer testdata/tokenizer/seed0/tokenizer.json --out "$WORK/models"

status=0
for rows in tasks seed1; do
	d="$WORK/$rows"
	"$PY" tools/lmeval_side_by_side.py data --rows "datasets/benchmarks/testdata/$rows" --out "$d/data" --yamls "$d/yamls"
	tasks=$(cd "$d/data" && ls | paste -sd, -)
	for m in mamba gpt_neox llama olmo; do
		for k in 0 5; do
			out="$d/$m-k$k"
			mkdir -p "$out"
			if ! "$PY" -m lm_eval --model hf --model_args "pretrained=$WORK/models/$m,dtype=float32" \
				--tasks "$(echo "$tasks" | sed 's/[^,]*/sbs_&/g')" --include_path "$d/yamls" \
				--device cpu --batch_size 1 --num_fewshot "$k" --log_samples \
				--output_path "$out/lmeval" >"$out.lmeval.log" 2>&1; then
				echo "lm_eval failed for $rows $m $k-shot; see $out.lmeval.log" >&2
				status=1
				continue
			fi
			if ! "$WORK/ssmlab" eval --model "$WORK/models/$m" --tasks "$tasks" --data "$d/data" \
				--num-fewshot "$k" --output "$out/ssmlab.json" --log-samples 2>"$out.ssmlab.log"; then
				echo "ssmlab eval failed for $rows $m $k-shot; see $out.ssmlab.log" >&2
				status=1
				continue
			fi
			"$PY" tools/lmeval_side_by_side.py compare --lmeval "$out/lmeval" --ssmlab "$out/ssmlab.json" \
				--label "$rows $m $k-shot" --tol "$TOL" || status=1
		done
	done
done
if [ "$status" = 0 ]; then
	echo "lmeval_side_by_side: ssmlab eval agrees with lm-eval on every task, model and shot count"
fi
exit "$status"
