"""Javumbo's local testbed, a stand-in for Lambda behind API Gateway: K app processes on the
S3/DynamoDB emulator (moto, corrected), a router in front of them, the load test run on them
with a fault injector and an integrity check that reads the stores (``javumbo-testbed cluster``,
``javumbo-testbed loadtest``). A test and benchmark tool, never part of the product wheel.

Everything listens on 127.0.0.1 only, and every process it starts dies with it.
"""
