"""A local stand-in for Lambda behind API Gateway: K app processes on the S3/DynamoDB emulator,
a router in front of them, a load generator and a fault injector (``javumbo cluster``,
``javumbo loadtest``).

Everything listens on 127.0.0.1 only, and every process it starts dies with it.
"""
