# The data tier: the bucket of collections and media, and the four DynamoDB tables.
# Kept as its own module so tests can apply exactly this to an S3/DynamoDB emulator.

resource "aws_s3_bucket" "collections" {
  # checkov:skip=CKV_AWS_18:server access logs cost storage and are rarely read; CloudTrail data events can be enabled instead
  # checkov:skip=CKV2_AWS_62:nothing consumes object events
  # checkov:skip=CKV_AWS_144:cross-region replication doubles storage cost; versioning + kept snapshots cover restores
  # checkov:skip=CKV_AWS_145:SSE-S3 (AES256) encryption; a customer KMS key adds per-request cost
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_versioning" "collections" {
  bucket = aws_s3_bucket.collections.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "collections" {
  bucket = aws_s3_bucket.collections.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "collections" {
  bucket                  = aws_s3_bucket.collections.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_lifecycle_configuration" "collections" {
  bucket = aws_s3_bucket.collections.id

  rule {
    id     = "expire-old-snapshot-versions"
    status = "Enabled"
    filter {
      prefix = "users/"
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_dynamodb_table" "users" {
  # checkov:skip=CKV_AWS_119:encrypted with the AWS-owned key; a customer-managed key costs $1/month each, over the budget
  name         = var.users_table
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "username"

  attribute {
    name = "username"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "locks" {
  # checkov:skip=CKV_AWS_119:encrypted with the AWS-owned key; a customer-managed key costs $1/month each, over the budget
  name         = var.locks_table
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "lock_id"

  attribute {
    name = "lock_id"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }
  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "sessions" {
  # checkov:skip=CKV_AWS_119:encrypted with the AWS-owned key; a customer-managed key costs $1/month each, over the budget
  name         = var.sessions_table
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "session_id"

  attribute {
    name = "session_id"
    type = "S"
  }
  attribute {
    name = "username"
    type = "S"
  }

  global_secondary_index {
    name            = "username-index"
    hash_key        = "username"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }
  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "journal" {
  # checkov:skip=CKV_AWS_119:encrypted with the AWS-owned key; a customer-managed key costs $1/month each, over the budget
  name         = var.journal_table
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "username"
  range_key    = "seq"

  attribute {
    name = "username"
    type = "S"
  }
  attribute {
    name = "seq"
    type = "N"
  }

  ttl {
    # only idempotency records carry expires_at: entries and heads are never expired
    attribute_name = "expires_at"
    enabled        = true
  }
  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled = true
  }
}

# Packages move between the browser and the bucket with presigned requests (API Gateway takes
# at most 6 MB per request): the app's origin may POST an upload form and GET an export.
resource "aws_s3_bucket_cors_configuration" "collections" {
  count  = length(var.transfer_origins) > 0 ? 1 : 0
  bucket = aws_s3_bucket.collections.id

  cors_rule {
    allowed_origins = var.transfer_origins
    allowed_methods = ["GET", "POST"]
    allowed_headers = ["*"]
    expose_headers  = ["etag"]
    max_age_seconds = 600
  }
}
