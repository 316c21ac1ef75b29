"""Encodes a WAV into a compressed format with PyAV (FFmpeg's encoders), for test
fixtures only: rehearse itself decodes with symphonia in Rust.

usage: encode.py IN.wav OUT.{mp3,m4a,opus,flac} RATE CHANNELS
"""
import sys

import av
import av.audio.resampler

# Ogg Vorbis comes from sox (FFmpeg's own Vorbis encoder is experimental).
CODECS = {".mp3": "libmp3lame", ".m4a": "aac", ".opus": "libopus", ".flac": "flac"}


def main() -> None:
    src, dst, rate, channels = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    ext = dst[dst.rfind("."):]
    codec = CODECS[ext]
    layout = "mono" if channels == 1 else "stereo"
    fmt = {".m4a": "mp4", ".opus": "ogg"}.get(ext)
    with av.open(src) as inp, av.open(dst, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        fmt_name = stream.codec_context.codec.audio_formats[0].name
        resampler = av.audio.resampler.AudioResampler(format=fmt_name, layout=layout, rate=rate)
        for frame in inp.decode(audio=0):
            for f in resampler.resample(frame):
                for pkt in stream.encode(f):
                    out.mux(pkt)
        for f in resampler.resample(None):
            for pkt in stream.encode(f):
                out.mux(pkt)
        for pkt in stream.encode(None):
            out.mux(pkt)


if __name__ == "__main__":
    main()
