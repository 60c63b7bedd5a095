"""torch.autograd.gradcheck's side of bench/gradcheck.ts.

A small server: bench/gradcheck.ts starts it once (so importing torch stays out of every timing)
and sends one JSON request per line on stdin; each answer is one JSON line on stdout. The data
come from TypeScript as float64 files, so both checkers see the very same numbers.

Requests:
  {"op": "load", "file": F, "batch": B, "inp": I, "hidden": H, "out": K}
      F holds x [B,I], labels [B], W1 [I,H], b1 [H], W2 [H,K], b2 [K]: little-endian float64, in
      that order. Answer: {"loss": L, "forward_ms": median ms of one forward, "torch": version}.
  {"op": "check", "file": F, "fast": bool, "runs": N, "eps": e, "atol": a, "rtol": r,
   "bug": null | {"kind": K, "factor": f, "unit": j}}
      N calls of gradcheck (float64, gradlens's tolerances), each timed alone. With a
      bug, x @ W1 runs through a torch.autograd.Function with a hand-written backward that scales
      W1's gradient: by 1 everywhere (K "control"), by f in column j (K "unit": every weight into
      hidden unit j) or in the one weight W1[0, j] (K "element").
      Answer: {"ms": [...], "passed": [...]}.
  {"op": "quit"}
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)


models = {}


def load(req):
    b, i, h, k = req["batch"], req["inp"], req["hidden"], req["out"]
    flat = torch.from_numpy(np.fromfile(req["file"], dtype="<f8"))
    sizes = [b * i, b, i * h, h, h * k, k]
    x, labels, W1, b1, W2, b2 = torch.split(flat, sizes)
    params = [W1.reshape(i, h), b1, W2.reshape(h, k), b2]
    m = {
        "x": x.reshape(b, i).clone(),
        "y": labels.long(),
        "params": [p.clone().requires_grad_(True) for p in params],
        "shape": (i, h),
    }
    models[req["file"]] = m
    with torch.no_grad():
        loss = mlp_loss(m, *m["params"]).item()
        times = []
        for _ in range(21):
            t0 = time.perf_counter()
            mlp_loss(m, *m["params"])
            times.append((time.perf_counter() - t0) * 1e3)
    return {"loss": loss, "forward_ms": float(np.median(times)), "torch": torch.__version__}


def mlp_loss(m, W1, b1, W2, b2, first_layer=None):
    z1 = (first_layer(m["x"], W1) if first_layer else m["x"] @ W1) + b1
    return F.cross_entropy(torch.tanh(z1) @ W2 + b2, m["y"])


def buggy_matmul(scale):
    """x @ W1 whose hand-written backward scales W1's gradient by `scale` (broadcast)."""

    class BuggyMatmul(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, W1):
            ctx.save_for_backward(x)
            return x @ W1

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return None, (x.t() @ grad_out) * scale

    return BuggyMatmul.apply


def bug_scale(bug, shape):
    """The deliberate mistake; bench/gradcheck.ts makes the same one in gradlens's backward."""
    scale = torch.ones(shape)
    if bug["kind"] == "unit":
        scale[:, bug["unit"]] = bug["factor"]
    elif bug["kind"] == "element":
        scale[0, bug["unit"]] = bug["factor"]
    return scale


def check(req):
    m = models[req["file"]]
    first_layer = buggy_matmul(bug_scale(req["bug"], m["shape"])) if req.get("bug") else None

    def fn(W1, b1, W2, b2):
        return mlp_loss(m, W1, b1, W2, b2, first_layer)

    ms, passed = [], []
    for _ in range(req["runs"]):
        t0 = time.perf_counter()
        ok = torch.autograd.gradcheck(
            fn, tuple(m["params"]), eps=req["eps"], atol=req["atol"], rtol=req["rtol"],
            fast_mode=req["fast"], raise_exception=False,
        )
        ms.append((time.perf_counter() - t0) * 1e3)
        passed.append(bool(ok))
    return {"ms": ms, "passed": passed}


def main():
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "quit":
            break
        try:
            answer = load(req) if req["op"] == "load" else check(req)
        except Exception as e:  # the bench prints it; the server keeps serving
            answer = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
