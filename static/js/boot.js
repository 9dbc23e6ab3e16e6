// Tells the Bootstrap Italia bundle where its fonts and sprites live (no inline script: CSP).
window.__PUBLIC_PATH__ = document.currentScript.dataset.publicPath;
