"""A stdlib PaaS client written the way the public ``quziang/matpool-gpu`` script talks to Matpool.

Like that script: ``urllib`` only, a hand-built multipart body in which every field is a plain
string part, ``Authorization: Bearer``, ``DELETE /v1/job?id=`` to cancel, and a JSON object back
whatever the HTTP status. Only the base URL differs from the real service.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

Reply = tuple[int, dict[str, Any]]


def form_fields(job: dict[str, Any]) -> dict[str, str]:
    """A job description as multipart values: objects and arrays become JSON text."""
    return {
        name: json.dumps(value) if isinstance(value, dict | list) else str(value)
        for name, value in job.items()
    }


def encode_multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """``multipart/form-data`` with one text part per field (no filenames, no part headers)."""
    boundary = "emu-" + uuid.uuid4().hex
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class MatpoolClient:
    """The five PaaS job operations over ``urllib``."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        fields: dict[str, str] | None = None,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Reply:
        """Send one request; returns the HTTP status and the decoded JSON object."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = "Bearer " + self.token
        if fields is not None:
            body, content_type = encode_multipart(fields)
        if content_type is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            status = response.status
            raw = response.read()
        result = json.loads(raw)
        assert isinstance(result, dict), raw
        return status, result

    def create(self, job: dict[str, Any]) -> Reply:
        """``POST /v1/job`` with the job's fields as multipart string parts."""
        return self.call("POST", "/v1/job", fields=form_fields(job))

    def get(self, job_id: int | str) -> Reply:
        """``GET /v1/job?id=``."""
        return self.call("GET", "/v1/job", {"id": job_id})

    def list(self, page: int = 1, per_page: int = 20, order: str = "false") -> Reply:
        """``GET /v1/job/jobs`` with the script's default paging."""
        return self.call(
            "GET", "/v1/job/jobs", {"page": page, "per_page": per_page, "order": order}
        )

    def stats(self) -> Reply:
        """``GET /v1/job/stats``."""
        return self.call("GET", "/v1/job/stats")

    def cancel(self, job_id: int | str) -> Reply:
        """``DELETE /v1/job?id=``."""
        return self.call("DELETE", "/v1/job", {"id": job_id})


def ok(reply: Reply) -> dict[str, Any]:
    """The body of a successful reply (HTTP 2xx and ``code == 0``, as the script requires)."""
    status, body = reply
    assert 200 <= status < 300, reply
    assert type(body.get("code")) is int, body
    assert body["code"] == 0, body
    assert body["msg"] == "", body
    return body
