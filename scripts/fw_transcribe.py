"""Reference run: faster-whisper on the same CTranslate2 weights rehearse imports.

Usage: fw_transcribe.py MODEL_DIR WAV THREADS BEAM
Prints one JSON line: {"load_s", "transcribe_s", "text"}.
"""
import json
import sys
import time

from faster_whisper import WhisperModel

model_dir, wav, threads, beam = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t0 = time.perf_counter()
model = WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=threads, num_workers=1)
t1 = time.perf_counter()
segments, _info = model.transcribe(wav, language="en", beam_size=beam, best_of=beam, vad_filter=False)
text = " ".join(s.text.strip() for s in segments)  # decoding happens while iterating
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "transcribe_s": t2 - t1, "text": text}))
