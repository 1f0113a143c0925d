"""The model-output channel (issue 20): every generated token that crosses the boundary.

Pure core: :mod:`protocol` (the seeded Gumbel-max sampling protocol and transcripts),
:mod:`scoring` (fixed-seed sampling likelihood, unexplained bits), :mod:`batches` (Merkle
batches of transcripts and their offline proofs), :mod:`openai` (the OpenAI wire format).
Workflow beside it: :mod:`gateway` (budget, forward, log), :mod:`verifier` (sample, replay,
score, lock), :mod:`reference` (reference-model backends; torch only inside).
"""
