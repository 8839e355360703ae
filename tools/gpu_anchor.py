# GPU anchor at the paper's smallest real sizes: what a user runs instead of ssmlab
# (HF transformers + PEFT + PyTorch autocast on one GPU, no mamba_ssm kernels).
# Randomly initialised models with the configs of mamba-130m, mamba2-130m and pythia-160m.
# Times training steps (fwd + bwd + AdamW) and inference forwards; reports tokens/s and
# peak allocated bytes per token for full fp32, full bf16 autocast, LoRA-all bf16 and
# LoRA-x_proj/qkv bf16 (the paper's Fig. 2 settings). One JSON line per measurement.
# Usage: python3 tools/gpu_anchor.py [B] [T] [steps]
# ANCHOR_ONLY=model/mode/setting,... (e.g. mamba-130m/infer/full-fp32) runs
# only those measurements; HF Mamba training without mamba_ssm's kernels
# takes about 15 s a step at 8 x 512, so a short run skips it.
import json, os, sys, time
import torch
from transformers import (MambaConfig, MambaForCausalLM, Mamba2Config, Mamba2ForCausalLM,
                          GPTNeoXConfig, GPTNeoXForCausalLM)

B = int(sys.argv[1]) if len(sys.argv) > 1 else 8
T = int(sys.argv[2]) if len(sys.argv) > 2 else 512
STEPS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
dev = "cuda"
torch.manual_seed(0)
torch.backends.cuda.matmul.allow_tf32 = False


def build(kind):
    if kind == "mamba-130m":
        return MambaForCausalLM(MambaConfig(vocab_size=50280, hidden_size=768, state_size=16,
                                            num_hidden_layers=24, expand=2, conv_kernel=4))
    if kind == "mamba2-130m":
        return Mamba2ForCausalLM(Mamba2Config(vocab_size=50280, hidden_size=768, state_size=128,
                                              num_hidden_layers=24, expand=2, head_dim=64, num_heads=24,
                                              n_groups=1, chunk_size=256))
    return GPTNeoXForCausalLM(GPTNeoXConfig(vocab_size=50304, hidden_size=768, num_hidden_layers=12,
                                            num_attention_heads=12, intermediate_size=3072,
                                            rotary_pct=0.25, max_position_embeddings=2048))


def lora(model, kind, which):
    from peft import LoraConfig, get_peft_model
    if which == "all":
        tm = ["in_proj", "x_proj", "dt_proj", "out_proj"] if kind.startswith("mamba-") else \
             ["in_proj", "out_proj"] if kind.startswith("mamba2") else \
             ["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"]
    else:
        tm = ["x_proj"] if kind.startswith("mamba-") else ["in_proj"] if kind.startswith("mamba2") else ["query_key_value"]
    return get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=tm, lora_dropout=0.0))


def measure(kind, mode, setting):
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    model = build(kind).to(dev)
    amp = None if setting == "full-fp32" else torch.bfloat16
    if setting.startswith("lora"):
        model = lora(model, kind, "all" if setting == "lora-all-bf16" else "sub")
    ids = torch.randint(0, 50000, (B, T), device=dev)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4) if mode == "train" else None

    def step():
        if mode == "train":
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device_type=dev, dtype=amp, enabled=amp is not None):
                loss = model(input_ids=ids, labels=ids).loss
            loss.backward()
            opt.step()
        else:
            with torch.no_grad(), torch.autocast(device_type=dev, dtype=amp, enabled=amp is not None):
                model(input_ids=ids)
    step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    for _ in range(STEPS):
        step()
    torch.cuda.synchronize()
    s = (time.perf_counter() - t) / STEPS
    peak = torch.cuda.max_memory_allocated()
    print(json.dumps({"impl": "hf-pytorch-gpu", "gpu": torch.cuda.get_device_name(), "model": kind, "mode": mode,
                      "setting": setting, "batch": B, "seq": T, "seconds_per_step": s,
                      "tokens_per_s": B * T / s, "peak_bytes_per_token": peak / (B * T),
                      "torch": torch.__version__}), flush=True)
    del model, opt
    torch.cuda.empty_cache()


ONLY = set(filter(None, os.environ.get("ANCHOR_ONLY", "").split(",")))


def wanted(kind, mode, setting):
    return not ONLY or f"{kind}/{mode}/{setting}" in ONLY


for kind in ("pythia-160m", "mamba2-130m", "mamba-130m"):
    for setting in ("full-fp32", "full-bf16", "lora-all-bf16", "lora-sub-bf16"):
        if not wanted(kind, "train", setting):
            continue
        try:
            measure(kind, "train", setting)
        except Exception as e:  # report and go on
            print(json.dumps({"model": kind, "setting": setting, "error": str(e)[:300]}), flush=True)
    for setting in ("full-fp32", "full-bf16"):
        if not wanted(kind, "infer", setting):
            continue
        try:
            measure(kind, "infer", setting)
        except Exception as e:
            print(json.dumps({"model": kind, "mode": "infer", "setting": setting, "error": str(e)[:300]}), flush=True)
