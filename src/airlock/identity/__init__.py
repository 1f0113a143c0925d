"""Protected-model identity beyond exact bytes (issue 19).

Pure cores: :mod:`.dtypes` (decode stored tensor bytes), :mod:`.tensor_stream` (a push parser
for safetensors, NumPy and GGUF), :mod:`.sampled` (the keyed, sampled exact fingerprint),
:mod:`.sketch` (per-tensor derivative sketches), :mod:`.compressibility`. Thin adapters:
:mod:`.tensors` (files and folders of shards) and :mod:`.registration` (one streaming pass).
Per-copy watermarks: :mod:`.watermark`, :mod:`.watermark_io`, :mod:`.marking`.
Nothing here is imported by ``import airlock`` (numpy is loaded on demand).
"""
