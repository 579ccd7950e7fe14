"""The blob store on an S3-compatible object store (Amazon S3, MinIO, Ceph...), through boto3.

Same interface and names as storage.BlobStore: a blob is the object <prefix>/<sha[:2]>/<sha[2:]>
in the bucket of SNAPCLASS_BLOB_STORE=s3://bucket/prefix. An S3 PUT replaces an object whole or
not at all, so readers never see half a blob without any temp-file dance. Credentials come from
boto3's usual sources (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role).
"""

import hashlib
import io
import os
import threading
from collections.abc import Iterator
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .storage import SHA256_HEX, at_once

NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}
# Enough pooled connections for a Gunicorn worker's threads and the embedded job thread.
MAX_POOL_CONNECTIONS = 32


class S3BlobStore:
    """Blobs named by the sha256 of their bytes, as objects of one bucket under one prefix."""

    def __init__(self, url: str, endpoint_url: str = "") -> None:
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            config=Config(max_pool_connections=MAX_POOL_CONNECTIONS, retries={"mode": "standard"}),
        )

    def key(self, sha256: str) -> str:
        # The name is a hash we computed or a checked one: never a user-supplied file name.
        if not SHA256_HEX.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        name = f"{sha256[:2]}/{sha256[2:]}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as error:
            if error.response["Error"]["Code"] in NOT_FOUND_CODES:
                return False
            raise
        return True

    def put(self, data: bytes) -> str:
        """Store `data` (if not there already) and return its sha256."""
        sha256 = hashlib.sha256(data).hexdigest()
        if not self.exists(sha256):
            self.client.put_object(Bucket=self.bucket, Key=self.key(sha256), Body=data)
        return sha256

    def put_many(self, blobs: dict[str, bytes], written: list[str] | None = None) -> None:
        """Store each of `blobs` (sha256 -> bytes) not there already, several PUTs at once;
        append each one this call wrote to `written` once it is stored."""
        for sha256, data in blobs.items():
            if hashlib.sha256(data).hexdigest() != sha256:
                raise ValueError(f"the bytes given for blob {sha256} have another sha256")

        def put_one(sha256: str) -> None:
            if not self.exists(sha256):
                self.client.put_object(Bucket=self.bucket, Key=self.key(sha256), Body=blobs[sha256])
                if written is not None:
                    written.append(sha256)

        at_once(put_one, blobs)

    def read(self, sha256: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as error:
            if error.response["Error"]["Code"] in NOT_FOUND_CODES:
                raise FileNotFoundError(f"no blob {sha256} in s3://{self.bucket}") from None
            raise
        return answer["Body"].read()

    def sendable(self, sha256: str) -> io.BytesIO:
        """The blob as something flask.send_file sends."""
        return io.BytesIO(self.read(sha256))

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def entries(self) -> Iterator[tuple[str, float, bool]]:
        """Every blob as (name, modified time, False): a PUT leaves no temporary object."""
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(start) :].replace("/", "", 1)
                if SHA256_HEX.fullmatch(name):
                    yield name, item["LastModified"].timestamp(), False

    def delete_temporary(self, name: str) -> None:
        """Nothing to do: see entries()."""


_stores: dict[tuple[str, str, int], S3BlobStore] = {}
_stores_lock = threading.Lock()


def s3_blob_store(url: str, endpoint_url: str) -> S3BlobStore:
    """One store (and boto3 client, which is thread-safe and slow to make) per process."""
    key = (url, endpoint_url, os.getpid())
    with _stores_lock:
        if key not in _stores:
            _stores[key] = S3BlobStore(url, endpoint_url)
        return _stores[key]
