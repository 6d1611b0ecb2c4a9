"""The seed's thermal pipeline, as its report describes it, for the benchmark (bench/thermal.bench.ts):
decode (Pillow, 'L'), row mean over the ROI, scipy gaussian_filter1d (sigma 3 rows), np.gradient,
scipy find_peaks on |gradient| (prominence 0.4*std, distance 15 rows).

    /usr/bin/python3 bench/seed_thermal.py MANIFEST.json RUNS
MANIFEST: [{"file": ..., "roi": {x, y, width, height}}]. Prints one JSON line: the median seconds per
frame (decode + analysis), the mean CPU seconds per frame and, per frame, the interface rows found (ROI row of the boundary).
"""
import json
import sys
import time

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter1d
from scipy.signal import find_peaks


def seed_interfaces(path, roi):
    img = np.asarray(Image.open(path).convert("L"), dtype=np.float64)
    tank = img[roi["y"]:roi["y"] + roi["height"], roi["x"]:roi["x"] + roi["width"]]
    profile = (tank.mean(axis=1) - 40.0) * 60.0 / 215.0
    smooth = gaussian_filter1d(profile, 3.0)
    grad = np.gradient(smooth)
    magnitude = np.abs(grad)
    peaks, _ = find_peaks(magnitude, prominence=0.4 * magnitude.std(), distance=15)
    return peaks


def main():
    manifest = json.load(open(sys.argv[1]))
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    found = [seed_interfaces(m["file"], m["roi"]).tolist() for m in manifest]  # warm-up and results
    per_frame = []
    cpu0 = time.process_time()
    for _ in range(runs):
        for m in manifest:
            t0 = time.perf_counter()
            seed_interfaces(m["file"], m["roi"])
            per_frame.append(time.perf_counter() - t0)
    cpu = (time.process_time() - cpu0) / len(per_frame)
    print(json.dumps({"medianSeconds": float(np.median(per_frame)), "cpuSeconds": cpu, "rows": [[p + 0.5 for p in f] for f in found]}))


main()
