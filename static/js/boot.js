// Tells the Bootstrap Italia bundle where its fonts and sprites live (no inline script: CSP).
window.__PUBLIC_PATH__ = document.currentScript.dataset.publicPath;
// video.js (inside the bundle) would insert a <style> of player defaults on every page, which
// the CSP (style-src 'self') refuses with a console error; no page here plays video.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
