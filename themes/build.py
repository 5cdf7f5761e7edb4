"""Build Borough's front-end assets into themes/static/build/ (git-ignored).

Run from anywhere as `python themes/build.py` (make does it); standard library
only. It compiles themes/default/scss/council.scss with the Sass that npm
installed, and copies GOV.UK Frontend's JavaScript and images and htmx, each
with its licence, from node_modules/. One line is printed per output.

themes/static/build/ is meant to be served at /assets/: the stylesheet's
$govuk-assets-path is /assets/govuk/, where the images land.
"""

import shutil
import subprocess
import sys
import tempfile
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
        if asset.name == "fonts":
            continue  # GDS Transport, licensed for GOV.UK only; we do not use it
        if asset.is_dir():
            copy_tree(asset, govuk_build / asset.name)
        else:
            copy_file(asset, govuk_build / asset.name)
    copy_file(licence_file(GOVUK) or GOVUK_LICENCE_COPY, govuk_build / "LICENSE.txt")

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
