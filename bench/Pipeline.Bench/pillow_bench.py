#!/usr/bin/env python3
"""Baseline: what a Python user reaches for. Pillow with Image.draft (libjpeg's reduced-size DCT decode)
doing the same work as the pipeline's guard: SHA-256, decode to <=256 px, brightness percentiles, contrast,
entropy, Laplacian variance. Prints one JSON line per image class, like Pipeline.Bench."""
import hashlib, json, multiprocessing, os, resource, sys, time
import numpy as np
from PIL import Image

def work(path):
    # Workers read the file themselves (from the page cache): handing them bytes would measure pickling.
    with open(path, "rb") as f:
        data = f.read()
    hashlib.sha256(data).hexdigest()
    import io
    im = Image.open(io.BytesIO(data))
    im.draft("RGB", (256, 256))  # JPEG: decode at 1/2, 1/4 or 1/8 scale; other formats: no effect
    im = im.convert("RGB")
    im.thumbnail((256, 256), Image.Resampling.BOX)
    a = np.asarray(im, dtype=np.float32)
    y = 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]
    hist = np.bincount(np.clip(np.rint(y), 0, 255).astype(np.int32).ravel(), minlength=256)
    p = hist / hist.sum()
    nz = p[p > 0]
    entropy = float(-(nz * np.log2(nz)).sum())
    np.percentile(y, [1, 5, 50, 95, 99]); float(y.std())
    lap = y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4 * y[1:-1, 1:-1]
    return entropy + float(lap.var())

def main():
    corpus, threads, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    pool = multiprocessing.Pool(threads) if threads > 1 else None
    for name in sorted(os.listdir(corpus)):
        folder = os.path.join(corpus, name)
        files = [os.path.join(folder, f) for f in sorted(os.listdir(folder))]
        for f in files:
            work(f)
        if pool:
            pool.map(work, files * threads)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            if pool:
                pool.map(work, files * 4, chunksize=1)
                count += len(files) * 4
            else:
                for f in files:
                    work(f)
                count += len(files)
        elapsed = time.perf_counter() - start
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if pool else 0)) / 1024
        print(json.dumps({"tool": "pillow-draft", "mode": "guard-equivalent", "class": name, "threads": threads, "images": count,
                          "seconds": round(elapsed, 3), "imagesPerSecond": round(count / elapsed, 2), "peakMegabytes": round(peak, 1)}))
    if pool:
        pool.close()

if __name__ == "__main__":
    main()
