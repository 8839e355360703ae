"""Side-by-side check of `ssmlab eval` against an installed lm-evaluation-harness.

Run by tools/lmeval_side_by_side.sh, which builds ssmlab and picks the
Python environment; see that script for usage. Steps:

1. `models`: writes four tiny random HF checkpoints (MambaForCausalLM,
   GPTNeoXForCausalLM, LlamaForCausalLM, OlmoForCausalLM, saved by
   transformers) whose vocabulary covers the repository's test tokenizer,
   with that tokenizer.json beside them.
2. `data`: lays out the task rows of datasets/benchmarks/testdata/tasks one
   folder per task, adding the few-shot split each task draws from (train,
   or MMLU's dev) as a copy of its evaluation rows, so that 5-shot prompts
   can be built from six rows, and writes lm-eval task YAMLs that include
   lm-eval's own YAML for the task (its templates, splits, sampler and
   metrics) and only point the dataset at those local Parquet files.
3. `compare`: reads lm-eval's --log_samples files and results JSON and
   ssmlab's, and reports every difference: request arguments, per-request
   log-likelihoods (absolute tolerance --tol), is_greedy, per-document
   metrics, and the aggregate metrics and their stderrs (relative
   tolerance --tol).
"""

import argparse
import glob
import json
import math
import os
import shutil
import sys

# ssmlab task -> (lm-eval YAML under lm_eval/tasks, eval split, few-shot split or None)
TASKS = {
    "arc_easy": ("arc/arc_easy.yaml", "test", "train"),
    "arc_challenge": ("arc/arc_challenge.yaml", "test", "train"),
    "hellaswag": ("hellaswag/hellaswag.yaml", "validation", "train"),
    "piqa": ("piqa/piqa.yaml", "validation", "train"),
    "winogrande": ("winogrande/default.yaml", "validation", "train"),
    "lambada_openai": ("lambada/lambada_openai.yaml", "test", None),
    "openbookqa": ("openbookqa/openbookqa.yaml", "test", "train"),
    "mmlu_high_school_computer_science": (
        "mmlu/default/mmlu_high_school_computer_science.yaml", "test", "dev"),
}

PREFIX = "sbs_"  # lm-eval task names of the local copies (the Hub ones keep theirs)


def cmd_models(a):
    import torch
    from transformers import (GPTNeoXConfig, GPTNeoXForCausalLM, LlamaConfig,
                              LlamaForCausalLM, MambaConfig, MambaForCausalLM,
                              OlmoConfig, OlmoForCausalLM)

    with open(a.tokenizer) as f:
        tok = json.load(f)
    vocab = max(list(tok["model"]["vocab"].values()) + [t["id"] for t in tok["added_tokens"]]) + 1
    eos = next(t["content"] for t in tok["added_tokens"] if t["id"] == 0)
    torch.manual_seed(0)
    configs = {
        "mamba": MambaForCausalLM(MambaConfig(
            vocab_size=vocab, hidden_size=32, num_hidden_layers=2, state_size=8, expand=2,
            conv_kernel=4, time_step_rank=2, pad_vocab_size_multiple=1, initializer_range=0.1,
            bos_token_id=0, eos_token_id=0, pad_token_id=0, tie_word_embeddings=True)),
        "gpt_neox": GPTNeoXForCausalLM(GPTNeoXConfig(
            vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=128, max_position_embeddings=2048, rotary_pct=0.25,
            initializer_range=0.1, bos_token_id=0, eos_token_id=0, tie_word_embeddings=False)),
        "llama": LlamaForCausalLM(LlamaConfig(
            vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, intermediate_size=64, max_position_embeddings=2048,
            initializer_range=0.1, bos_token_id=0, eos_token_id=0, tie_word_embeddings=False)),
        "olmo": OlmoForCausalLM(OlmoConfig(
            vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=64, max_position_embeddings=2048, clip_qkv=0.5,
            initializer_range=0.1, bos_token_id=0, eos_token_id=0, pad_token_id=1,
            tie_word_embeddings=True)),
    }
    for name, m in configs.items():
        d = os.path.join(a.out, name)
        m.eval()
        m.save_pretrained(d)
        shutil.copy(a.tokenizer, os.path.join(d, "tokenizer.json"))
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": eos,
                       "bos_token": eos, "unk_token": eos, "model_max_length": 2048}, f, indent=1)
        print(f"models: {d} ({sum(p.numel() for p in m.parameters())} parameters, vocab {vocab})")


def cmd_data(a):
    import lm_eval

    tasks_dir = os.path.join(os.path.dirname(lm_eval.__file__), "tasks")
    os.makedirs(a.yamls, exist_ok=True)
    for task, (yml, ev, fs) in TASKS.items():
        src = glob.glob(os.path.join(a.rows, task, ev + "-*.parquet"))
        if len(src) != 1:
            sys.exit(f"data: want one {ev} shard under {os.path.join(a.rows, task)}, found {src}")
        d = os.path.join(a.out, task)
        os.makedirs(d, exist_ok=True)
        files = {ev: os.path.join(d, f"{ev}-00000-of-00001.parquet")}
        shutil.copy(src[0], files[ev])
        if fs is not None:
            files[fs] = os.path.join(d, f"{fs}-00000-of-00001.parquet")
            shutil.copy(src[0], files[fs])
        include = os.path.join(tasks_dir, yml)
        if not os.path.exists(include):
            sys.exit(f"data: {include} does not exist (lm-eval {lm_eval.__version__} lays its tasks out differently)")
        lines = [f"task: {PREFIX}{task}", f"include: {include}", "dataset_path: parquet",
                 "dataset_name: null", "dataset_kwargs:", "  data_files:"]
        lines += [f"    {s}: {p}" for s, p in files.items()]
        # splits the local data does not have
        for key, split in (("training_split", "train"), ("validation_split", "validation"), ("test_split", "test")):
            if split not in files and _declares(include, tasks_dir, key):
                lines.append(f"{key}: null")
        with open(os.path.join(a.yamls, f"{PREFIX}{task}.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
    print(f"data: {len(TASKS)} tasks under {a.out}, task YAMLs in {a.yamls}")


def _declares(path, tasks_dir, key):
    """Whether the YAML at path, or one it includes, sets key to a split name."""
    seen = set()
    while path and path not in seen:
        seen.add(path)
        include = None
        with open(path) as f:
            for line in f:
                k, _, v = line.partition(":")
                k, v = k.strip().strip('"'), v.strip().strip('"')
                if k == key:
                    return v not in ("", "null")
                if k == "include":
                    include = os.path.join(os.path.dirname(path), v)
        path = include
    return False


def load_jsonl(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def lmeval_files(d, task):
    """lm-eval's results JSON and samples JSONL for task under output dir d."""
    res = sorted(glob.glob(os.path.join(d, "**", "results_*.json"), recursive=True))
    smp = sorted(glob.glob(os.path.join(d, "**", f"samples_{PREFIX}{task}_*.jsonl"), recursive=True))
    if not res or not smp:
        sys.exit(f"compare: no lm-eval results or samples for {task} under {d}")
    return res[-1], smp[-1]


def num(x):
    if isinstance(x, str):  # lm-eval writes "N/A" for a stderr it cannot compute
        return float("nan")
    return float(x)


def close(a, b, tol):
    a, b = num(a), num(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def cmd_compare(a):
    problems, rows = [], []
    worst = 0.0
    for task in TASKS:
        res_path, smp_path = lmeval_files(a.lmeval, task)
        with open(res_path) as f:
            lres = json.load(f)["results"][PREFIX + task]
        with open(a.ssmlab) as f:
            sres = json.load(f)["results"][task]
        lsm = {s["doc_id"]: s for s in load_jsonl(smp_path)}
        ssm = {s["doc_id"]: s for s in load_jsonl(a.ssmlab.rsplit(".json", 1)[0] + f"_samples_{task}.jsonl")}
        where = f"{a.label} {task}"
        if sorted(lsm) != sorted(ssm):
            problems.append(f"{where}: documents {sorted(lsm)} (lm-eval) vs {sorted(ssm)} (ssmlab)")
            continue
        nreq, task_worst = 0, 0.0
        for i in sorted(lsm):
            l, s = lsm[i], ssm[i]
            args = [[v["arg_0"], v["arg_1"]] for _, v in sorted(l["arguments"].items(), key=lambda kv: int(kv[0].rsplit("_", 1)[1]))]
            if args != s["arguments"]:
                problems.append(f"{where} doc {i}: requests differ:\n  lm-eval {args!r}\n  ssmlab  {s['arguments']!r}")
                continue
            for r, (lr, sr) in enumerate(zip(l["resps"], s["resps"])):
                ll, greedy = lr[0]  # lm-eval logs them as strings: "-60.35...", "False"
                ll, greedy = float(ll), greedy in (True, "True")
                d = abs(ll - sr[0])
                task_worst = max(task_worst, d)
                if d > a.tol:
                    problems.append(f"{where} doc {i} request {r}: log-likelihood {ll!r} (lm-eval) vs {sr[0]!r} (ssmlab), |diff| {d:.3g}")
                if bool(greedy) != bool(sr[1]):
                    problems.append(f"{where} doc {i} request {r}: is_greedy {greedy} (lm-eval) vs {sr[1]} (ssmlab)")
                nreq += 1
            for m, v in s["metrics"].items():
                if m not in l:
                    problems.append(f"{where} doc {i}: lm-eval logs no per-document {m}")
                elif not close(l[m], v, a.tol):
                    problems.append(f"{where} doc {i}: {m} {l[m]!r} (lm-eval) vs {v!r} (ssmlab)")
        worst = max(worst, task_worst)
        agg = []
        for k, v in lres.items():
            if "," not in k:
                continue
            if k not in sres:
                problems.append(f"{where}: ssmlab's results lack {k}")
                continue
            # perplexity's stderr is a bootstrap estimate; ssmlab draws
            # lm-eval's replicates (Python's random, its seeds), so it too
            # agrees to the log-likelihoods' precision
            if not close(v, sres[k], a.tol):
                problems.append(f"{where}: {k} {v!r} (lm-eval) vs {sres[k]!r} (ssmlab)")
            agg.append(f"{k.split(',')[0]}={num(v):.6g}")
        rows.append(f"{where}: {len(lsm)} docs, {nreq} requests, max |ll diff| {task_worst:.2g}; {' '.join(agg)}")
    print("\n".join(rows))
    if problems:
        print(f"compare {a.label}: {len(problems)} differences", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"compare {a.label}: every request, per-document metric and aggregate agrees (max |ll diff| {worst:.2g})")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("models")
    m.add_argument("--tokenizer", required=True)
    m.add_argument("--out", required=True)
    d = sub.add_parser("data")
    d.add_argument("--rows", required=True, help="datasets/benchmarks/testdata/tasks")
    d.add_argument("--out", required=True)
    d.add_argument("--yamls", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--lmeval", required=True, help="lm-eval's --output_path")
    c.add_argument("--ssmlab", required=True, help="ssmlab eval's --output FILE.json")
    c.add_argument("--label", required=True)
    c.add_argument("--tol", type=float, default=1e-4)
    a = p.parse_args()
    {"models": cmd_models, "data": cmd_data, "compare": cmd_compare}[a.cmd](a)


if __name__ == "__main__":
    main()
