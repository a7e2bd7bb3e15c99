"""Presigned S3 requests (``DirectTransfers``): the browser uploads a package to the bucket and
downloads an export from it, so packages need not pass through the API (API Gateway refuses
bodies over 6 MB). The bucket's CORS rule (``infra/storage.tf``) lets the app's origin do it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from javumbo.stores.keys import validate_key
from javumbo.stores.ports import UploadForm

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3DirectTransfers:
    def __init__(self, bucket: str, client: S3Client) -> None:
        self.bucket = bucket
        self.client = client

    def upload_form(self, key: str, *, max_bytes: int, expires_in: int) -> UploadForm:
        validate_key(key)
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Conditions=[["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        fields = {str(name): str(value) for name, value in post["fields"].items()}
        return UploadForm(url=post["url"], fields=fields, key=key, expires_in=expires_in)

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        validate_key(key)
        safe = filename.replace('"', "").replace("\\", "")
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{safe}"',
                "ResponseContentType": "application/octet-stream",
            },
            ExpiresIn=expires_in,
        )
