"""Reference batch: faster-whisper over many files with one loaded model, the way
`rehearse batch` runs (one model, WORKERS files at a time, THREADS each).

Usage: fw_batch.py MODEL_DIR THREADS WORKERS BEAM WORD_TIMESTAMPS PROMPT FILE...
(WORD_TIMESTAMPS 1/0; PROMPT "" for none). Prints one JSON line: {"load_s", "run_s", "words"}.
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from faster_whisper import WhisperModel

model_dir, threads, workers, beam, word_ts, prompt = sys.argv[1:7]
files = sys.argv[7:]
threads, workers, beam, word_ts = int(threads), int(workers), int(beam), word_ts == "1"
t0 = time.perf_counter()
model = WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=threads, num_workers=workers)
t1 = time.perf_counter()


def one(path):
    segments, _ = model.transcribe(path, language="en", beam_size=beam, best_of=beam, vad_filter=False,
                                   word_timestamps=word_ts, initial_prompt=prompt or None)
    return sum(len(s.text.split()) for s in segments)


with ThreadPoolExecutor(workers) as pool:
    words = sum(pool.map(one, files))
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "run_s": t2 - t1, "words": words}))
