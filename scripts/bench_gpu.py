"""`scripts/bench gpu`: the CPU against each GPU this build and machine have, on the
same audio and model, so a user with a GPU can see the speed-up (BENCHMARKS.md, GPU).

    scripts/bench gpu [--bin PATH] [--model M]... [--audio WAV]... [--threads N] [--write]

For each model and audio: `rehearse transcribe --json` with `--gpu off` and with
`--gpu N` for every GPU the binary reports, REPEAT runs each (interleaved, so a change in
machine load hits both sides), whole-process wall time with the model load included.
Each row checks what really ran (the transcript's `model.compute`) and how far the GPU's
words are from the CPU's (word error rate, CPU as reference). "Last stretch" is a 6 s
clip: what is left to decode after the stop of a live take (the rest was transcribed
while the speaker talked), so its time is the stop-to-report time, load excluded.

Needs only Python's standard library, so it runs where there is no Rust toolchain
(a binary built with `--features dynamic-backends` and ggml backends built there).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def arg_values(flag):
    argv = sys.argv
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag]


def seconds(wav):
    with wave.open(str(wav)) as w:
        return w.getnframes() / w.getframerate()


def clip(wav, start, length, dest):
    """The stretch [start, start + length) of a WAV, as a WAV."""
    with wave.open(str(wav)) as w:
        rate = w.getframerate()
        w.setpos(int(start * rate))
        frames = w.readframes(int(length * rate))
        with wave.open(str(dest), "wb") as o:
            o.setparams(w.getparams())
            o.writeframes(frames)
    return dest


def run(binary, model, wav, gpu, threads):
    cmd = [binary, "transcribe", str(wav), "--json", "--model", model, "--gpu", gpu, "--threads", str(threads)]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    t = json.loads(out.stdout)
    text = " ".join(s["text"].strip() for s in t["segments"])
    compute = t.get("model", {}).get("compute") or {}
    return wall, text, compute


def load_time(binary, model, gpu, threads, silence):
    """Whole-process time on 1 s of silence: start-up and model load, nearly no decode."""
    return statistics.median(run(binary, model, silence, gpu, threads)[0] for _ in range(REPEAT))


def wer(ref, hyp):
    norm = lambda t: re.findall(r"[a-z0-9']+", t.lower().replace("-", " "))
    r, h = norm(ref), norm(hyp)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        p, d = d, [i] + [0] * len(h)
        for j in range(1, len(h) + 1):
            d[j] = min(p[j] + 1, d[j - 1] + 1, p[j - 1] + (r[i - 1] != h[j - 1]))
    return d[len(h)] / max(1, len(r))


def gpus(binary, model, wav, threads):
    """GPU numbers this binary can use (it says so when asked for one that is not there)."""
    found = []
    for n in range(8):
        try:
            _, _, compute = run(binary, model, wav, str(n), threads)
        except RuntimeError:
            break
        found.append((str(n), compute))
    return found


def main():
    binary = (arg_values("--bin") or [str(ROOT / "target/release/rehearse")])[0]
    models = arg_values("--model") or ["tiny.en"]
    audios = [Path(a) for a in arg_values("--audio")] or [ROOT / "fixtures/sample-answer.wav"]
    threads = int((arg_values("--threads") or [str(os.cpu_count())])[0])
    tmp = Path(tempfile.mkdtemp())
    silence = tmp / "silence.wav"
    with wave.open(str(silence), "wb") as o:
        o.setnchannels(1), o.setsampwidth(2), o.setframerate(16000)
        o.writeframes(b"\0\0" * 16000)
    rows = []
    cpu_name = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    cards = set()
    for model in models:
        devices = gpus(binary, model, silence, threads)
        if not devices:
            print(f"bench gpu: {binary} found no usable GPU (see `rehearse doctor`)", file=sys.stderr)
        sides = [("off", None)] + devices
        loads = {g: load_time(binary, model, g, threads, silence) for g, _ in sides}
        for wav in audios:
            inputs = [(f"{wav.stem}, {seconds(wav):.0f} s", wav)]
            last = clip(wav, max(0.0, seconds(wav) - 6.0), 6.0, tmp / f"{wav.stem}-last.wav")
            inputs.append((f"{wav.stem}: last stretch, 6 s", last))
            for label, path in inputs:
                times = {g: [] for g, _ in sides}
                texts, ran = {}, {}
                for _ in range(REPEAT):
                    for g, _ in sides:
                        wall, text, compute = run(binary, model, path, g, threads)
                        times[g].append(wall)
                        texts[g], ran[g] = text, compute
                cpu = statistics.median(times["off"])
                for g, _ in sides[1:]:
                    gpu = statistics.median(times[g])
                    cards.add(ran[g].get("device", "?"))
                    decode_cpu, decode_gpu = cpu - loads["off"], gpu - loads[g]
                    row = (
                        f"| {Path(model).name} | {label} | {ran['off'].get('backend', '?')} {cpu:.2f} (min {min(times['off']):.2f}) "
                        f"| {ran[g].get('backend', '?')} {gpu:.2f} (min {min(times[g]):.2f}) | {cpu / gpu:.1f}x "
                        f"| {max(decode_cpu, 0):.2f} / {max(decode_gpu, 0):.2f} | {wer(texts['off'], texts[g]):.3f} |"
                    )
                    rows.append(row)
                    print(row, file=sys.stderr)
                if len(sides) == 1:
                    rows.append(f"| {Path(model).name} | {label} | CPU {cpu:.2f} | – | – | – | – |")
    table = "\n".join([
        f"Measured {time.strftime('%Y-%m-%d')} by `scripts/bench gpu` on {os.cpu_count()} cores "
        f"({cpu_name.group(1) if cpu_name else '?'}) and {', '.join(sorted(cards)) or 'no GPU'}; "
        f"{threads} CPU threads; median of {REPEAT} interleaved runs, whole process, model load included. "
        "Decode = the median less the same side's start-up on 1 s of silence.",
        "",
        "| model | audio | CPU wall s | GPU wall s | speed-up | decode s CPU / GPU | GPU words vs CPU (WER) |",
        "|---|---|---:|---:|---:|---:|---:|",
        *rows,
    ])
    print(table)
    if "--write" in sys.argv:
        sys.path.insert(0, str(ROOT / "scripts"))
        doc = ROOT / "BENCHMARKS.md"
        start, end = "<!-- bench:gpu:start -->", "<!-- bench:gpu:end -->"
        text = doc.read_text()
        if start not in text:
            sys.exit(f"bench gpu: BENCHMARKS.md has no {start} marker")
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: f"{start}\n{table}\n{end}", text, flags=re.S)
        doc.write_text(text)


if __name__ == "__main__":
    main()
