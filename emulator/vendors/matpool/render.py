"""Jobs as Matpool sends them: the 15-key job object, key order and misspellings included."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.vendors.matpool.backend import Job

CLIENT_ID = 10001
APP_FORMAT = 2


def job(job: Job, queue_len: int) -> dict[str, Any]:
    """The job object of create, get and list (its state at response time)."""
    static = job.wire
    if static is None:  # what never changes after creation, built once (responses only read it)
        static = job.wire = _static(job)
    job_id = job.id
    return {
        "id": job_id,
        "ctx": static["ctx"],
        "state": {
            "status": job.status,
            "log": [
                {"id": log_id, "status": status, "ts": {"seconds": seconds}, "sourceId": job_id}
                for log_id, status, seconds in job.log
            ],
        },
        "status": job.status,
        "app": static["app"],
        "res": static["res"],
        "createTime": static["createTime"],
        "vols": None,
        "queueLen": queue_len,
        "nets": [],
        "displayID": job.display_id,
        "autoRelease": False,
        "releaseTime": None,
        "updateTime": None,
        "desc": "",
    }


def _static(job: Job) -> dict[str, Any]:
    """The parts of the job object fixed at creation."""
    return {
        "ctx": {
            "ownerId": job.owner_id,
            "nodeId": job.node_id,
            "clientID": CLIENT_ID,
            "nodeDisplayID": job.node_display_id,
            "class": "",
            "aotuRelease": False,  # sic: the API spells it this way
            "releaseTime": None,
            "nodeDomain": job.agent_domain,
        },
        "app": {
            "name": "",
            "ver": "",
            "envs": job.envs,
            "format": APP_FORMAT,
            "files": None,
            "cmd": job.cmd,
            "hostname": "",
            "creds": "",
            "ports": [
                {"port": port, "protocol": protocol, "extraData": None}
                for port, protocol in job.ports
            ],
            "urls": {f"port_{port}": {"urls": [url]} for port, url in job.urls},
            "fromSnapshotId": job.snapshot_id,
            "SSHAuths": [
                {"BaseOn": {"Cred": {"id": job.cred_id, "user": "root", "password": job.password}}}
            ],
            "netConfig": None,
            "remark": job.remark,
            "fromImageId": job.image_id,
        },
        "res": {
            "cpus": 0,
            "gpus": 0,
            "diskGB": 0,
            "gpuName": job.gpu_name,
            "domain": job.domain,
            "agentDomain": job.agent_domain,
        },
        "createTime": {"seconds": int(job.created_at)},
    }


def pagination(total: int, page: int, per_page: int) -> dict[str, int]:
    """``{total, numPages, page, perPage}`` with ``numPages = ceil(total / perPage)``."""
    return {
        "total": total,
        "numPages": -(-total // per_page),
        "page": page,
        "perPage": per_page,
    }
