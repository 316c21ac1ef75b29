"""Renders a labelled answer sentence by sentence (piper voice, deterministic), joined
with short pauses, and writes where each sentence and phase lies in the audio: the
truth the star drill's plan-against-speech comparison is tested on.

usage: timed-answer.py VOICE.onnx ANSWER.json OUT.wav OUT.json
"""
import json
import sys
import wave

import numpy as np
from piper import PiperVoice, SynthesisConfig

GAP_S = 0.35  # the pause between sentences
QUIET = 0.01  # leading and trailing samples below this are trimmed off each sentence

voice_path, answer_path, wav_path, truth_path = sys.argv[1:5]
voice = PiperVoice.load(voice_path)
config = SynthesisConfig(length_scale=1.25, noise_scale=0.0, noise_w_scale=0.0)
answer = json.load(open(answer_path))
rate = voice.config.sample_rate
pieces, sentences, at = [], [], 0
for s in answer["sentences"]:
    audio = np.concatenate([c.audio_float_array for c in voice.synthesize(s["text"], config)])
    loud = np.flatnonzero(np.abs(audio) >= QUIET)
    audio = audio[loud[0] : loud[-1] + 1]
    sentences.append({"start": at / rate, "end": (at + len(audio)) / rate, "phase": s["phase"], "text": s["text"]})
    gap = np.zeros(int(GAP_S * rate), dtype=np.float32)
    pieces += [audio, gap]
    at += len(audio) + len(gap)
samples = np.clip(np.concatenate(pieces), -1.0, 1.0)
with wave.open(wav_path, "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes((samples * 32767).astype("<i2").tobytes())
seconds = {}
for s in sentences:
    seconds[s["phase"]] = seconds.get(s["phase"], 0.0) + s["end"] - s["start"]
json.dump({"id": answer["id"], "sentences": sentences, "phase_seconds": seconds}, open(truth_path, "w"), indent=1)
