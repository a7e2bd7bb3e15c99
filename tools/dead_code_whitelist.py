"""Names only a framework or the standard library reads, for ``tools/dead_code.py`` (vulture
counts every name used here as used). Each line says who reads it."""

# ruff: noqa: B018
import tempfile
import zipfile

from apiflask import APIFlask

from javumbo_testbed.relay import RelayHandler

APIFlask.security_schemes  # APIFlask: the OpenAPI document's security schemes
APIFlask.max_content_length  # Flask/werkzeug: the request body limit
tempfile.tempdir  # the standard library: where temporary files go
zipfile.ZipInfo.external_attr  # zipfile: an entry's file mode
RelayHandler.log_message  # http.server: silences the request log
