# Records short AdamW runs of HF models in PyTorch so ssmlab's trainer can be
# checked step by step. Reads fixture directories made by make_fixtures.py
# (any seed) and writes, next to each, train_reference.safetensors with:
#   batch.<step>.<micro>   I64 [1, T]   the micro-batches of each step
#   losses                 F32 [steps]  mean micro-batch loss of each step
#   grad_norms             F32 [steps]  global grad norm before clipping
#   lrs                    F32 [steps]  learning rate used at each step
#   final.<param>          F32          weights after the last step
# Settings (ssmlab's tests use the same): AdamW betas (0.9, 0.95), eps 1e-8,
# peak lr 3e-3, weight decay 0.1 except on the no-decay set, cosine schedule
# with 2 warmup steps over 6 total steps (HF get_cosine_schedule_with_warmup),
# clip_grad_norm 1.0, 5 steps of 2 accumulated micro-batches of [1, 16].
# LoRA: adapter weights only, weight decay 0.01 on all of them.
# Usage: python3 tools/make_train_fixtures.py FIXTURE_DIR SEED
import json, os, sys
import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, get_cosine_schedule_with_warmup

FIX = sys.argv[1]
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 0
STEPS, MICRO, T = 5, 2, 16
CFG = dict(lr=3e-3, betas=(0.9, 0.95), eps=1e-8)


def no_decay(name):
    n = name.lower()
    return (n.endswith("a_log") or n.endswith(".d") or n.endswith("bias") or "norm" in n
            or "embeddings" in n or "embed_in" in n or "embed_tokens" in n)


def batches(vocab):
    g = torch.Generator().manual_seed(SEED + 100)
    return [[torch.randint(0, vocab, (1, T), generator=g) for _ in range(MICRO)] for _ in range(STEPS)]


def train(model, params, groups, vocab, out_path, final_names):
    opt = torch.optim.AdamW(groups, **CFG)
    sched = get_cosine_schedule_with_warmup(opt, 2, 6)
    data = batches(vocab)
    t = {}
    losses, norms, lrs = [], [], []
    model.train()
    for s, micro in enumerate(data):
        opt.zero_grad(set_to_none=True)
        tot = 0.0
        for m, ids in enumerate(micro):
            t[f"batch.{s}.{m}"] = ids.to(torch.int64).contiguous()
            loss = model(input_ids=ids, labels=ids).loss
            (loss / MICRO).backward()
            tot += float(loss) / MICRO
        gn = torch.nn.utils.clip_grad_norm_(params, 1.0)
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        losses.append(tot)
        norms.append(float(gn))
    t["losses"] = torch.tensor(losses, dtype=torch.float32)
    t["grad_norms"] = torch.tensor(norms, dtype=torch.float32)
    t["lrs"] = torch.tensor(lrs, dtype=torch.float32)
    for name, p in final_names:
        t["final." + name] = p.detach().float().contiguous().clone()
    save_file(t, out_path)
    return {"losses": losses, "grad_norms": norms, "lrs": lrs}


log = {}
for arch in ("mamba", "gpt_neox", "llama"):
    d = os.path.join(FIX, arch)
    if not os.path.isdir(d):
        continue
    torch.manual_seed(SEED)
    model = AutoModelForCausalLM.from_pretrained(d).float()
    named = list(model.named_parameters())
    dec = [p for n, p in named if not no_decay(n)]
    nod = [p for n, p in named if no_decay(n)]
    groups = [{"params": dec, "weight_decay": 0.1}, {"params": nod, "weight_decay": 0.0}]
    log[arch] = train(model, [p for _, p in named], groups, model.config.vocab_size,
                      os.path.join(d, "train_reference.safetensors"), named)
    log[arch]["no_decay"] = [n for n, _ in named if no_decay(n)]

lora_dir = os.path.join(FIX, "lora_mamba")
if os.path.isdir(lora_dir):
    from peft import PeftModel
    base = AutoModelForCausalLM.from_pretrained(os.path.join(FIX, "mamba")).float()
    pm = PeftModel.from_pretrained(base, lora_dir, is_trainable=True)
    named = [(n, p) for n, p in pm.named_parameters() if p.requires_grad]
    groups = [{"params": [p for _, p in named], "weight_decay": 0.01}]
    log["lora_mamba"] = train(pm, [p for _, p in named], groups, base.config.vocab_size,
                              os.path.join(lora_dir, "train_reference.safetensors"), named)
print(json.dumps(log, indent=1))
with open(os.path.join(FIX, "train_log.json"), "w") as f:
    json.dump(log, f, indent=1)
