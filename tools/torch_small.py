# PyTorch side of tools/compare_device.sh: times HF Mamba and GPT-NeoX
# training and inference steps at the reference small size on CPU with a
# fixed thread count (the same procedure as torch_anchor.py, with fewer
# timed steps for HF Mamba's slow sequential-scan training step).
# Usage: python3 tools/torch_small.py THREADS [fast]
# With "fast" it skips HF Mamba training (about a minute per setting on 2
# threads), for repeated rounds of tools/side_by_side.sh.
import json, sys, time
import torch
from transformers import MambaConfig, MambaForCausalLM, GPTNeoXConfig, GPTNeoXForCausalLM

threads = int(sys.argv[1])
fast = sys.argv[2:] == ["fast"]
torch.set_num_threads(threads)
torch.manual_seed(0)
V, D, L, B, T = 256, 128, 4, 8, 256


def build(kind):
    if kind == "mamba":
        return MambaForCausalLM(MambaConfig(vocab_size=V, hidden_size=D, state_size=16, num_hidden_layers=L,
                                            expand=2, conv_kernel=4, pad_vocab_size_multiple=1))
    return GPTNeoXForCausalLM(GPTNeoXConfig(vocab_size=V, hidden_size=D, num_hidden_layers=L,
                                            num_attention_heads=max(1, D // 32), intermediate_size=4 * D,
                                            max_position_embeddings=4096, rotary_pct=0.25))


def step_fn(model, ids, train, amp, opt):
    def step():
        if train:
            opt.zero_grad(set_to_none=True)
            if amp:
                with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                    loss = model(input_ids=ids, labels=ids).loss
            else:
                loss = model(input_ids=ids, labels=ids).loss
            loss.backward()
            opt.step()
        else:
            with torch.no_grad():
                if amp:
                    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                        model(input_ids=ids)
                else:
                    model(input_ids=ids)
    return step


for kind in ("mamba", "gpt_neox"):
    model = build(kind)
    ids = torch.randint(0, V, (B, T))
    for mode in ("train", "infer"):
        for amp in (False, True):
            opt = torch.optim.AdamW(model.parameters(), lr=1e-4) if mode == "train" else None
            step = step_fn(model, ids, mode == "train", amp, opt)
            slow = kind == "mamba" and mode == "train"
            if slow and fast:
                continue
            warm, steps = (1, 1) if slow else (2, 5)
            for _ in range(warm):
                step()
            t = time.perf_counter()
            for _ in range(steps):
                step()
            s = (time.perf_counter() - t) / steps
            print(json.dumps({"impl": "pytorch", "arch": kind, "mode": mode, "precision": "bf16" if amp else "fp32",
                              "threads": threads, "seconds_per_step": s, "tokens_per_s": B * T / s,
                              "torch": torch.__version__}), flush=True)
