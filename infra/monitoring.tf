# Dashboard and alarms. The custom metric names below are the ones the app emits (namespace
# "Javumbo", CloudWatch embedded metric format); tests/infra checks the two stay in step.

locals {
  metrics_namespace = "Javumbo"
  custom_metrics = {
    latency          = "RequestLatency"
    requests         = "Requests"
    client_errors    = "ClientErrors"
    server_errors    = "ServerErrors"
    conflicts        = "Conflicts"
    s3_operations    = "S3Operations"
    meta_operations  = "MetaOperations"
    cache_hit        = "CacheHit"
    session_duration = "SessionDuration"
  }
  # aws-lambda-powertools adds its service name as the "service" dimension of every metric.
  metrics_service = "javumbo-api"
  fn              = aws_lambda_function.api.function_name
}

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "error_rate" {
  alarm_name          = "${local.name}-error-rate"
  alarm_description   = "More than 5% of API invocations failed over 5 minutes."
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "rate"
    expression  = "100 * errors / MAX([errors, invocations])"
    label       = "Error rate (%)"
    return_data = true
  }
  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = local.fn }
      period      = 300
      stat        = "Sum"
    }
  }
  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      dimensions  = { FunctionName = local.fn }
      period      = 300
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "p95_latency" {
  alarm_name          = "${local.name}-p95-latency"
  alarm_description   = "API p95 duration above the target for 3 periods."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = local.fn }
  extended_statistic  = "p95"
  period              = 300
  evaluation_periods  = 3
  threshold           = var.p95_latency_alarm_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  alarm_name          = "${local.name}-throttles"
  alarm_description   = "The API function is being throttled."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = local.fn }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = local.name
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "Invocations, errors, throttles"
          region = var.region
          stat   = "Sum"
          metrics = [
            ["AWS/Lambda", "Invocations", "FunctionName", local.fn],
            [".", "Errors", ".", "."],
            [".", "Throttles", ".", "."],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title  = "Duration p50 / p95 / p99"
          region = var.region
          metrics = [
            ["AWS/Lambda", "Duration", "FunctionName", local.fn, { stat = "p50" }],
            ["...", { stat = "p95" }],
            ["...", { stat = "p99" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "Object store and metastore operations"
          region = var.region
          stat   = "Sum"
          metrics = [
            [local.metrics_namespace, local.custom_metrics.s3_operations, "service", local.metrics_service],
            [".", local.custom_metrics.meta_operations, ".", "."],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title  = "Cache hit rate (%)"
          region = var.region
          metrics = [
            # CacheHit is 0 or 1 per request that used a collection: its average is the hit rate.
            [local.metrics_namespace, local.custom_metrics.cache_hit, "service", local.metrics_service, { id = "h", stat = "Average", visible = false }],
            [{ expression = "100 * h", label = "hit rate", id = "rate" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title  = "Session duration and conflicts"
          region = var.region
          metrics = [
            [local.metrics_namespace, local.custom_metrics.session_duration, "service", local.metrics_service, { stat = "p50" }],
            [".", local.custom_metrics.conflicts, ".", ".", { stat = "Sum" }],
            [".", local.custom_metrics.server_errors, ".", ".", { stat = "Sum" }],
            [".", local.custom_metrics.client_errors, ".", ".", { stat = "Sum" }],
            [".", local.custom_metrics.requests, ".", ".", { stat = "Sum" }],
            [".", local.custom_metrics.latency, ".", ".", { stat = "p95" }],
          ]
        }
      },
    ]
  })
}
