locals {
  lambda_env = {
    JAVUMBO_BACKEND         = "aws"
    S3_BUCKET               = module.data_tier.bucket_name
    DYNAMODB_USERS_TABLE    = local.tables.users
    DYNAMODB_LOCKS_TABLE    = local.tables.locks
    DYNAMODB_SESSIONS_TABLE = local.tables.sessions
    DYNAMODB_JOURNAL_TABLE  = local.tables.journal
    SESSION_TTL             = tostring(var.session_ttl_s)
    JAVUMBO_CACHE_DIR       = "/tmp/javumbo-cache"
    JAVUMBO_CACHE_MAX_BYTES = tostring((var.lambda_tmp_mb - 128) * 1024 * 1024)
    JWT_SECRET_KEY          = var.jwt_secret_key
  }
}

resource "aws_cloudwatch_log_group" "api" {
  # checkov:skip=CKV_AWS_158:encrypted with the AWS-managed key; a customer key costs more than the whole $2/month budget
  name              = "/aws/lambda/${local.name}-api"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "sweeper" {
  # checkov:skip=CKV_AWS_158:encrypted with the AWS-managed key; a customer key costs more than the whole $2/month budget
  name              = "/aws/lambda/${local.name}-sweeper"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "api" {
  # checkov:skip=CKV_AWS_116:invoked synchronously by API Gateway; a dead-letter queue only applies to async invocations
  # checkov:skip=CKV_AWS_117:no private resources to reach; a VPC would add NAT costs and cold-start latency
  # checkov:skip=CKV_AWS_272:code signing needs a signing profile in the deploy pipeline; optional for a self-hosted install
  # checkov:skip=CKV_AWS_173:environment encrypted at rest with the AWS-managed Lambda key; a customer key is optional
  function_name                  = "${local.name}-api"
  role                           = aws_iam_role.api.arn
  runtime                        = "python3.11"
  handler                        = "javumbo.lambda_handler.handler"
  filename                       = var.lambda_zip_path
  memory_size                    = var.lambda_memory_mb
  timeout                        = var.lambda_timeout_s
  reserved_concurrent_executions = var.lambda_reserved_concurrency
  architectures                  = ["x86_64"]

  ephemeral_storage {
    size = var.lambda_tmp_mb
  }
  environment {
    variables = local.lambda_env
  }
  tracing_config {
    mode = "Active"
  }
  depends_on = [aws_cloudwatch_log_group.api]
}

resource "aws_lambda_function" "sweeper" {
  # checkov:skip=CKV_AWS_116:idempotent and scheduled every minute: a failed run is simply redone by the next one
  # checkov:skip=CKV_AWS_117:no private resources to reach; a VPC would add NAT costs and cold-start latency
  # checkov:skip=CKV_AWS_272:code signing needs a signing profile in the deploy pipeline; optional for a self-hosted install
  # checkov:skip=CKV_AWS_173:environment encrypted at rest with the AWS-managed Lambda key; a customer key is optional
  function_name = "${local.name}-sweeper"
  role          = aws_iam_role.api.arn
  runtime       = "python3.11"
  handler       = "javumbo.lambda_handler.sweep_sessions"
  # One sweeper at a time; the flush lease would serialise them anyway.
  reserved_concurrent_executions = 1
  filename                       = var.lambda_zip_path
  memory_size                    = var.lambda_memory_mb
  timeout                        = 50

  ephemeral_storage {
    size = var.lambda_tmp_mb
  }
  environment {
    variables = local.lambda_env
  }
  tracing_config {
    mode = "Active"
  }
  depends_on = [aws_cloudwatch_log_group.sweeper]
}

resource "aws_cloudwatch_event_rule" "sweeper" {
  name                = "${local.name}-session-sweeper"
  description         = "Flush and close expired review sessions every minute."
  schedule_expression = "rate(1 minute)"
}

resource "aws_cloudwatch_event_target" "sweeper" {
  rule = aws_cloudwatch_event_rule.sweeper.name
  arn  = aws_lambda_function.sweeper.arn
}

resource "aws_lambda_permission" "sweeper" {
  statement_id  = "AllowEventBridge"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.sweeper.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.sweeper.arn
}
