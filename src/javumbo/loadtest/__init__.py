"""A load generator for any running Javumbo (``javumbo loadtest --target URL``): concurrent
users review over HTTP, the report gives latency and failed attempts, and every acknowledged
answer is checked to be applied exactly once."""
