"""Feeds a raw float32 stereo 48 kHz file into a PulseAudio pipe source at real-time
pace (10 ms chunks on a monotonic clock), then silence until killed.

Usage: pulse-feed.py FIFO RAW
"""
import os
import sys
import time

fifo, raw = sys.argv[1], sys.argv[2]
fd = os.open(fifo, os.O_RDWR)  # read-write: never blocks waiting for a reader
data = open(raw, "rb").read()
chunk = 48000 * 2 * 4 // 100
t0 = time.monotonic()
n = 0
for i in range(0, len(data), chunk):
    os.write(fd, data[i : i + chunk])
    n += 1
    delay = t0 + n * 0.01 - time.monotonic()
    if delay > 0:
        time.sleep(delay)
silence = bytes(chunk)
while True:
    os.write(fd, silence)
    n += 1
    delay = t0 + n * 0.01 - time.monotonic()
    if delay > 0:
        time.sleep(delay)
