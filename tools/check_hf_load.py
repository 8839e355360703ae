# Checks that HF transformers loads model directories ssmlab saved
# (hf.Save) and computes the same logits and loss as `ssmlab forward`.
# Each DIR holds config.json + model.safetensors written by ssmlab and
# ssmlab_out.safetensors, the output of
#   ssmlab forward --model DIR --input IN --out DIR/ssmlab_out.safetensors
# where IN's input_ids are also read from IN.
# Usage: python3 tools/check_hf_load.py IN.safetensors DIR...
import json, sys
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

ids = load_file(sys.argv[1])["input_ids"]
res = {}
for d in sys.argv[2:]:
    try:
        m = AutoModelForCausalLM.from_pretrained(d).float().eval()
        with torch.no_grad():
            out = m(input_ids=ids, labels=ids)
        ref = load_file(d + "/ssmlab_out.safetensors")
        lo = out.logits.float()
        err = float((lo - ref["logits"]).abs().max() / ref["logits"].abs().max())
        res[d] = {"model_type": m.config.model_type, "logits_rel_err": err,
                  "loss_hf": float(out.loss), "loss_ssmlab": float(ref["loss"][0])}
    except Exception as e:  # report, keep going
        res[d] = {"error": repr(e)[:500]}
print(json.dumps(res, indent=1))
