"""Build Borough's front-end assets into themes/static/build/ (git-ignored).

Run from anywhere as `python themes/build.py` (make does it); standard library
only. It compiles themes/default/scss/council.scss with the Sass that npm
installed, and copies GOV.UK Frontend's JavaScript and htmx, each with its
licence, from node_modules/. GOV.UK Frontend's images are all the crown (its
favicons, app icons and crest) and councils are not GOV.UK: none is copied,
nor the web manifest that lists them.
The favicon is our own, drawn here: a "B" on the default brand colour.
One line is printed per output.

themes/static/build/ is meant to be served at /assets/: the stylesheet's
$govuk-assets-path is /assets/govuk/, where the images land.
"""

import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
SASS = NODE_MODULES / ".bin" / "sass"
GOVUK = NODE_MODULES / "govuk-frontend"
HTMX = NODE_MODULES / "htmx.org"
SCSS = ROOT / "themes" / "default" / "scss" / "council.scss"
BUILD = ROOT / "themes" / "static" / "build"

# govuk-frontend's npm package ships no licence file: this is its repository's
# LICENSE.txt, used when the package has none.
GOVUK_LICENCE_COPY = ROOT / "themes" / "licences" / "govuk-frontend-LICENSE.txt"

NEEDS_NPM = "run `make` — npm is needed for front-end assets"

# GOV.UK Frontend's assets that are GOV.UK's own, never copied: the crown (images/: favicons,
# app icons, the crest, the Open Graph image; manifest.json, which lists those icons) and the
# GDS Transport font (fonts/).
NOT_COPIED = ("fonts", "images", "manifest.json")

# The favicon: a white "B" on the default brand colour (runtime/web/theme.py's fallback),
# drawn on a 16-unit grid, one string per row.
DEFAULT_BRAND = "#1d70b8"
FAVICON_GLYPH = (
    "................",
    "................",
    "....#######.....",
    "....########....",
    "....##....###...",
    "....##.....##...",
    "....##....###...",
    "....#########...",
    "....#########...",
    "....##.....###..",
    "....##......##..",
    "....##.....###..",
    "....##########..",
    "....#########...",
    "................",
    "................",
)
FAVICON_SIZES = (16, 32, 48)


class BuildError(Exception):
    """A build step failed; the message says what to do."""


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _report(path: Path) -> None:
    if path.is_dir():
        files = [p for p in path.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        print(f"{_relative(path)}/ ({len(files)} files, {size / 1024:.0f} KiB)")
    else:
        print(f"{_relative(path)} ({path.stat().st_size / 1024:.0f} KiB)")


def check_inputs() -> None:
    """Fail early, and clearly, when npm has not installed what we need."""
    if not NODE_MODULES.is_dir():
        raise BuildError(f"{_relative(NODE_MODULES)}/ is missing: {NEEDS_NPM}")
    required = [
        SASS,
        GOVUK / "dist" / "govuk" / "govuk-frontend.min.js",
        GOVUK / "dist" / "govuk" / "assets",
        HTMX / "dist" / "htmx.min.js",
    ]
    missing = [_relative(path) for path in required if not path.exists()]
    if missing:
        raise BuildError(f"{', '.join(missing)} missing: {NEEDS_NPM}")


def compile_css(target: Path) -> None:
    """council.scss -> council.css, compressed, without source maps."""
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        output = Path(scratch) / target.name
        command = [
            str(SASS),
            "--no-source-map",
            "--style=compressed",
            "--quiet-deps",
            f"--load-path={NODE_MODULES}",
            str(SCSS),
            str(output),
        ]
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as error:  # no Node.js to run sass with
            raise BuildError(f"cannot run {_relative(SASS)} ({error}): {NEEDS_NPM}") from error
        if result.returncode != 0:
            raise BuildError(f"sass failed on {_relative(SCSS)}:\n{result.stderr.strip()}")
        if result.stderr.strip():
            print(result.stderr.strip(), file=sys.stderr)
        if "GDS Transport" in output.read_text("utf-8"):
            raise BuildError(f"{_relative(SCSS)} must not use the GDS Transport font")
        output.replace(target)
    _report(target)


def copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    _report(target)


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
    _report(target)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = int(colour.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def favicon_svg(colour: str = DEFAULT_BRAND) -> str:
    """The glyph as SVG: one path of unit squares on a rounded square of `colour`."""
    squares = "".join(
        f"M{x} {y}h1v1h-1z"
        for y, row in enumerate(FAVICON_GLYPH)
        for x, cell in enumerate(row)
        if cell == "#"
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
        f'<rect width="16" height="16" rx="2" fill="{colour}"/>'
        f'<path fill="#ffffff" d="{squares}"/></svg>\n'
    )


def favicon_png(size: int, colour: str = DEFAULT_BRAND) -> bytes:
    """The glyph as a `size`-pixel square PNG (RGB, nearest-neighbour scaled)."""
    ground, ink = bytes(_rgb(colour)), b"\xff\xff\xff"
    grid = len(FAVICON_GLYPH)
    rows = []
    for y in range(size):
        glyph_row = FAVICON_GLYPH[y * grid // size]
        pixels = b"".join(ink if glyph_row[x * grid // size] == "#" else ground for x in range(size))
        rows.append(b"\x00" + pixels)  # filter type 0 for each scanline

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def favicon_ico(colour: str = DEFAULT_BRAND) -> bytes:
    """An .ico holding a PNG of each size in FAVICON_SIZES."""
    images = [favicon_png(size, colour) for size in FAVICON_SIZES]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, image in zip(FAVICON_SIZES, images, strict=True):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return header + entries + b"".join(images)


def write_favicons(target: Path) -> None:
    """favicon.svg and favicon.ico into `target`, drawn by the code above."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "favicon.svg").write_text(favicon_svg(), "utf-8")
    _report(target / "favicon.svg")
    (target / "favicon.ico").write_bytes(favicon_ico())
    _report(target / "favicon.ico")


def licence_file(package: Path) -> Path | None:
    names = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "LICENCE.txt", "LICENCE.md")
    return next((package / name for name in names if (package / name).is_file()), None)


def build() -> None:
    check_inputs()
    BUILD.mkdir(parents=True, exist_ok=True)
    compile_css(BUILD / "council.css")

    # Served at /assets/govuk/: the stylesheet's $govuk-assets-path, so the
    # images and fonts sit directly in it, beside the JavaScript.
    govuk_dist = GOVUK / "dist" / "govuk"
    govuk_build = BUILD / "govuk"
    if govuk_build.exists():
        shutil.rmtree(govuk_build)
    copy_file(govuk_dist / "govuk-frontend.min.js", govuk_build / "govuk-frontend.min.js")
    source_map = govuk_dist / "govuk-frontend.min.js.map"
    if source_map.is_file():
        copy_file(source_map, govuk_build / "govuk-frontend.min.js.map")
    for asset in sorted((govuk_dist / "assets").iterdir()):
        if asset.name in NOT_COPIED:
            continue  # GOV.UK's own: the GDS Transport font, the crown images
        if asset.is_dir():
            copy_tree(asset, govuk_build / asset.name)
        else:
            copy_file(asset, govuk_build / asset.name)
    copy_file(licence_file(GOVUK) or GOVUK_LICENCE_COPY, govuk_build / "LICENSE.txt")
    write_favicons(BUILD)

    copy_file(HTMX / "dist" / "htmx.min.js", BUILD / "htmx.min.js")
    htmx_licence = licence_file(HTMX)
    if htmx_licence is None:
        raise BuildError(f"{_relative(HTMX)} has no licence file: {NEEDS_NPM}")
    copy_file(htmx_licence, BUILD / "htmx.LICENSE")


def main() -> int:
    try:
        build()
    except BuildError as error:
        print(f"themes/build.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
