"""The one inline <style> the CSP allows is the exact one the vendored bundle inserts."""

import base64
import hashlib
import re
from pathlib import Path

from django.conf import settings

BUNDLE = (
    Path(settings.BASE_DIR) / "static/vendor/bootstrap-italia/js/bootstrap-italia.bundle.min.js"
)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_allowed_style_hash_is_the_bundles_youtube_plugin_style():
    source = BUNDLE.read_text(encoding="utf-8")
    [css] = re.findall(r'var e="(\.vjs-youtube[^"]*)",t=document\.head', source)
    style_src = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    assert style_src == ["'self'", _sha256(css)]


def test_the_boot_script_switches_off_the_video_js_default_styles():
    boot = (Path(settings.BASE_DIR) / "static/js/boot.js").read_text()
    assert "window.VIDEOJS_NO_DYNAMIC_STYLE = true;" in boot
    source = BUNDLE.read_text(encoding="utf-8")
    assert ".VIDEOJS_NO_DYNAMIC_STYLE" in source  # the option still exists upstream
