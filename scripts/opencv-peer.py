#!/usr/bin/env python3
"""OpenCV peer filters for `npm run eval`: the baseline anime-me is compared against.

Reads a JSON job list on stdin:
  [{"input": "/abs/in.png", "outputs": {"stylization": "/abs/a.png", "cartoon": "/abs/b.png"}}, ...]
The inputs are already at the size anime-me outputs (the eval script writes them), so both sides
produce the same pixels count. Writes one JSON line per image to stdout:
  {"input": ..., "ms": {"stylization": 812.3, "cartoon": 95.1}, "width": W, "height": H}
Timings cover the filter only (no file reading or writing), measured with perf_counter.
Exit code 3 when OpenCV is missing, so the caller can say so and skip the peer.
"""
import json
import sys
import time

try:
    import cv2
except ImportError:  # the caller installs python3-opencv or skips the peer
    sys.stderr.write("opencv-peer: python module cv2 not found (apt-get install -y python3-opencv)\n")
    sys.exit(3)


def stylization(img):
    # OpenCV's own non-photorealistic "stylization" (edge-preserving filter + edges), default settings.
    return cv2.stylization(img, sigma_s=60, sigma_r=0.45)


def cartoon(img):
    # The classic cartoon filter (OpenCV cookbook style): repeated small bilateral filters on a
    # quarter-size copy for flat colour areas, and adaptive-threshold edges on a median-blurred grey
    # image for the ink lines; colour AND edges.
    h, w = img.shape[:2]
    small = cv2.pyrDown(cv2.pyrDown(img))
    for _ in range(7):
        small = cv2.bilateralFilter(small, d=9, sigmaColor=9, sigmaSpace=7)
    colour = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    grey = cv2.medianBlur(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), 7)
    edges = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, blockSize=9, C=2)
    return cv2.bitwise_and(colour, colour, mask=edges)


FILTERS = {"stylization": stylization, "cartoon": cartoon}


def main():
    jobs = json.load(sys.stdin)
    for job in jobs:
        img = cv2.imread(job["input"], cv2.IMREAD_COLOR)
        if img is None:
            print(json.dumps({"input": job["input"], "error": "could not read image"}), flush=True)
            continue
        timings = {}
        for name, path in job["outputs"].items():
            fn = FILTERS.get(name)
            if fn is None:
                continue
            started = time.perf_counter()
            out = fn(img)
            timings[name] = round((time.perf_counter() - started) * 1000, 1)
            cv2.imwrite(path, out)
        print(json.dumps({"input": job["input"], "ms": timings, "width": img.shape[1], "height": img.shape[0]}), flush=True)


if __name__ == "__main__":
    main()
