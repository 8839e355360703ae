# Diagnoses a directory ssmlab saved that HF loads with other logits: prints
# HF's loading info (missing/unexpected/mismatched keys), the config HF
# resolved, and compares HF's hidden states with ssmlab's hidden states.
# Usage: python3 tools/debug_hf_load.py IN.safetensors DIR
import sys, torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM
ids = load_file(sys.argv[1])["input_ids"]
d = sys.argv[2]
m, info = AutoModelForCausalLM.from_pretrained(d, output_loading_info=True)
m = m.float().eval()
print("loading info:", {k: v for k, v in info.items() if v})
print("config:", m.config.to_dict())
sd = load_file(d + "/model.safetensors")
for n, p in m.named_parameters():
    if n in sd:
        e = float((p.detach() - sd[n]).abs().max())
        if e > 0:
            print("param differs from file:", n, e)
    else:
        print("param not in file:", n, tuple(p.shape))
with torch.no_grad():
    out = m(input_ids=ids, output_hidden_states=True)
ref = load_file(d + "/ssmlab_out.safetensors")
print("logits rel err", float((out.logits - ref["logits"]).abs().max() / ref["logits"].abs().max()))
for i, h in enumerate(out.hidden_states):
    print("hidden", i, tuple(h.shape), float(h.abs().max()))
