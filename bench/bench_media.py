"""Benchmark of the media library's upload processing.

    .venv/bin/python bench/bench_media.py [--images 200] [--size 2000x1500] [--renditions 20]

Generates N distinct photo-like JPEGs (gradient, shapes and noise, with EXIF camera and GPS
tags like a phone's) in memory, then, in the same run and on the same files:

- the baseline: Pillow's own open-and-save (``Image.open`` + ``load`` + ``save`` as JPEG);
- the library's pixel work alone (``apps.core.images.reencoded``);
- the library: ``services.add_asset`` for each (content hash, duplicate lookup, Pillow check,
  orientation, re-encoding without metadata, storage write, database row, audit entry);
- optionally the per-network renditions of the first ``--renditions`` images (the Celery
  task's work, outside the request).

It prints the median, mean and p95 per image and the ratio to the baseline. A throwaway
database (SQLite in a temporary folder) and media folder are used. Not a test; the figures are
indicative of this machine.
"""

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
_TMP = tempfile.mkdtemp(prefix="pa-bench-media-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")
os.environ.setdefault("PA_PLANNER_VAR_DIR", _TMP)
os.environ.setdefault("DJANGO_MEDIA_ROOT", str(Path(_TMP) / "media"))
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from apps.core import images  # noqa: E402
from apps.media_library import services  # noqa: E402
from apps.media_library.models import Asset  # noqa: E402
from apps.media_library.networks import NETWORKS  # noqa: E402

GPS_IFD, MAKE = 0x8825, 0x010F


_NOISE: dict[tuple[int, int], Image.Image] = {}


def _photo(seed: int, size: tuple[int, int]) -> bytes:
    rng = random.Random(seed)
    width, height = size
    top = tuple(rng.randrange(60, 240) for _ in range(3))
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.blend(image, Image.new("RGB", size, top), 0.6)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(20, width // 4), rng.randrange(20, height // 4)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x, y, x + w, y + h], colour)
    if size not in _NOISE:  # the slowest part of generating: made once, shapes vary per file
        _NOISE[size] = Image.effect_noise(size, 24).convert("RGB")
    noise = _NOISE[size]
    image = Image.blend(image, noise, 0.15)
    exif = Image.Exif()
    exif[MAKE] = "Bench Camera"
    exif[GPS_IFD] = {1: "N", 2: (45.0, 28.0, float(seed % 60)), 3: "E", 4: (9.0, 11.0, 0.0)}
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=90, exif=exif)
    return output.getvalue()


def _stats(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), statistics.fmean(ordered), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--size", default="2000x1500")
    parser.add_argument("--renditions", type=int, default=20)
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))

    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    user = User.objects.create_user("bench", password="x")

    started = time.perf_counter()
    files = [_photo(seed, size) for seed in range(args.images)]
    made_in = time.perf_counter() - started
    mean_kb = statistics.fmean(len(f) for f in files) / 1024
    print(
        f"{args.images} JPEGs {size[0]}×{size[1]} (mean {mean_kb:.0f} KB, with EXIF GPS) "
        f"generated in {made_in:.1f} s"
    )

    baseline = []
    for data in files:
        started = time.perf_counter()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image.save(io.BytesIO(), format="JPEG", quality=90)
        baseline.append((time.perf_counter() - started) * 1000)

    # The library's pixel work alone (the same function add_asset calls): check, orientation,
    # re-encoding without metadata, no storage or database.
    cleaning = []
    for number, data in enumerate(files):
        upload = SimpleUploadedFile(f"IMG_{number:04d}.jpg", data, content_type="image/jpeg")
        started = time.perf_counter()
        images.reencoded(upload, images.POST_FORMATS)
        cleaning.append((time.perf_counter() - started) * 1000)

    library = []
    for number, data in enumerate(files):
        upload = SimpleUploadedFile(f"IMG_{number:04d}.jpg", data, content_type="image/jpeg")
        started = time.perf_counter()
        added = services.add_asset(upload=upload, by=user, alt_text="bench")
        library.append((time.perf_counter() - started) * 1000)
        assert not added.duplicate

    renditions = []
    for asset_id in Asset.objects.order_by("id").values_list("id", flat=True)[: args.renditions]:
        started = time.perf_counter()
        services.make_renditions(asset_id=asset_id)
        renditions.append((time.perf_counter() - started) * 1000)

    print(f"{'per image':<44} {'median':>9} {'mean':>9} {'p95':>9} {'×Pillow':>8}")
    base_median = _stats(baseline)[0]
    rows = [
        ("Pillow open + load + save JPEG (baseline)", baseline),
        ("library pixels only (core.images.reencoded)", cleaning),
        ("library add_asset (check, clean, store, row)", library),
    ]
    if renditions:
        rows.append(
            (f"renditions, {len(NETWORKS)} networks (first {len(renditions)}, task)", renditions)
        )
    for label, values in rows:
        median, mean, p95 = _stats(values)
        print(
            f"{label:<44} {median:>7.1f}ms {mean:>7.1f}ms {p95:>7.1f}ms "
            f"{median / base_median:>8.2f}"
        )
    connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
