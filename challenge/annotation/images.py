"""The crowd's images: checked and resized with Pillow for the annotator's page (a display
rendition and a thumbnail for the grid, both JPEG), and the demo's generated images. Files only
go to and come from private storage through challenge.storage; nothing here touches the database."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

# Formats a browser shows and Pillow reads safely; anything else is refused with its name.
FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
# Far above any photograph, far below a decompression bomb: refused before the pixels are read.
MAX_PIXELS = 50_000_000
DISPLAY_SIZE = 640
THUMB_SIZE = 240


class ImageRefused(ValueError):
    """A file that is not an image we take; the message says why."""


@dataclass(frozen=True)
class Renditions:
    """What the site serves of an image: `display` and `thumb` (JPEG bytes), and the original's size."""

    display: bytes
    thumb: bytes
    width: int
    height: int


def renditions(data: bytes) -> Renditions:
    """Check an uploaded image and resize it for display (at most 640 px a side) and for the grid
    (240 px), upright (EXIF orientation applied), as RGB JPEG. Raises ImageRefused for a file
    Pillow cannot read, another format than JPEG, PNG, GIF or WebP, or more than 50 megapixels."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise ImageRefused(f"a {image.format or 'unknown'} image; expected JPEG, PNG, GIF or WebP")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageRefused(f"{width} x {height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels")
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, ImageRefused):
            raise
        raise ImageRefused("not an image Pillow can read") from None
    return Renditions(_jpeg(upright, DISPLAY_SIZE), _jpeg(upright, THUMB_SIZE), width, height)


def _jpeg(image: Image.Image, size: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def generated_image(*, text: str, seed: int, size: int = 480) -> bytes:
    """A PNG standing in for a photograph in the demo: soft stripes of seeded colours and the
    words `text` in a box, so that "does this image show X?" has an answer anyone can see."""
    hue = (seed * 67) % 256
    image = Image.new("RGB", (size, size), (hue, 180 - hue // 3, 255 - hue))
    draw = ImageDraw.Draw(image)
    for k in range(0, size, 24):
        shade = (hue + k) % 256
        draw.rectangle([k, 0, k + 11, size], fill=(shade, (shade * 3) % 256, 200))
    draw.rectangle([size // 10, size * 2 // 5, size * 9 // 10, size * 3 // 5], fill=(255, 255, 255), outline=(0, 0, 0))
    draw.text((size // 8, size // 2 - 6), text[:40], fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
