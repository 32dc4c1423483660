"""RunPod: the serverless job API and worker protocol, the REST management APIs v1 and v2.

One per-tenant world (:mod:`.backend`) serves every RunPod host; each host has its own route
module (``routes_<host role>.py``) and error renderer.
"""

from __future__ import annotations

from emulator.hosting import HostMount, VendorSpec
from emulator.vendors.runpod import routes_jobs, routes_rest_v1, routes_rest_v2, routes_workers
from emulator.vendors.runpod.backend import RunpodWorld
from emulator.vendors.runpod.control import admin_routes, worker_env_command
from emulator.vendors.runpod.errors import JobApiErrors, RestV1Errors, RestV2Errors
from emulator.vendors.runpod.schemas import RunpodFixture

vendor = VendorSpec(
    name="runpod",
    title="RunPod",
    mounts=(
        HostMount(
            host="api.runpod.ai",
            title="RunPod serverless jobs",
            routes=[*routes_jobs.routes, *routes_workers.routes],
            errors=JobApiErrors(),
            base_path="/v2",
        ),
        HostMount(
            host="rest.runpod.io",
            title="RunPod REST v1",
            routes=routes_rest_v1.routes,
            errors=RestV1Errors(),
            base_path="/v1",
        ),
        HostMount(
            host="api.runpod.io",
            title="RunPod REST v2",
            routes=routes_rest_v2.routes,
            errors=RestV2Errors(),
            base_path="/v2",
        ),
    ),
    create_world=RunpodWorld,
    fixture_model=RunpodFixture,
    specs={
        "jobs": "runpod/jobs.schema.json",
        "rest-v1": "runpod/rest-v1.openapi.json",
        "rest-v2": "runpod/rest-v2.openapi.json",
    },
    admin_routes=admin_routes,
    commands=(worker_env_command,),
)
