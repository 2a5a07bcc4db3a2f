"""The vendored front-end files the pages load: served by the platform, never a CDN."""

REQUIRED_ASSETS = [
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/font/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/font/fonts/bootstrap-icons.woff2",
    "vendor/bootstrap-icons/font/fonts/bootstrap-icons.woff",
    "vendor/echarts/echarts.min.js",
    "vendor/htmx/htmx.min.js",
    "kechuang/app.css",
    "kechuang/app.js",
]
