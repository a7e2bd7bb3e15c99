"""The HTTP API: a Flask application factory with one blueprint per resource."""
