"""The pytest plugin, exercised with pytester in an inner pytest session."""

from __future__ import annotations

import pytest

from emulator.app import create_app
from emulator.server import ThreadedServer
from emulator.settings import Settings
from tests.support import acme

CONFTEST = """
import pytest
from tests.support import acme

@pytest.fixture(scope="session")
def gpu_emulator_vendors():
    return [acme.vendor]

@pytest.fixture(autouse=True)
def _close_clients():
    yield
    import helpers
    helpers.close_all()
"""

HELPERS = """
import httpx
from tests.support import acme

_open = []

def client(gpu_emulator, key="k"):
    c = httpx.Client(base_url=gpu_emulator.url(acme.HOST), headers={"X-Acme-Key": key})
    _open.append(c)
    return c

def close_all():
    while _open:
        _open.pop().close()
"""


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(helpers=HELPERS)
    return pytester


def test_state_is_reset_between_tests(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        from helpers import client

        def test_create(gpu_emulator):
            created = client(gpu_emulator).post("/v1/endpoints", json={"id": "e1", "name": "x"})
            assert created.status_code == 201

        def test_gone(gpu_emulator):
            assert client(gpu_emulator).get("/v1/endpoints/e1").status_code == 404
        """
    )
    inner.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_marker_sets_fixtures_seed_and_clock(inner: pytest.Pytester) -> None:
    inner.makefile(
        ".yaml", endpoints="acme:\n  endpoints: [{id: from-file, name: f, min_workers: 1}]\n"
    )
    inner.makepyfile(
        """
        import pytest
        from helpers import client

        @pytest.mark.gpu_emulator(fixtures="endpoints.yaml", seed=3, clock="real")
        def test_marked(gpu_emulator):
            body = client(gpu_emulator).get("/v1/endpoints/from-file").json()
            assert [w["state"] for w in body["workers"]] == ["idle"]
            assert gpu_emulator.admin.clock()["mode"] == "real"

        def test_unmarked(gpu_emulator):
            assert client(gpu_emulator).get("/v1/endpoints/from-file").status_code == 404
            assert gpu_emulator.admin.clock()["mode"] == "manual"
        """
    )
    inner.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_advance_and_journal_through_the_handle(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        from helpers import client

        def test_time(gpu_emulator):
            c = client(gpu_emulator)
            spec = {"name": "t", "behaviour": {"cold_start": 10, "execution": 5}}
            e = c.post("/v1/endpoints", json=spec).json()["id"]
            t = c.post(f"/v1/endpoints/{e}/tasks", json={"input": "hi"}).json()["id"]
            before = gpu_emulator.now()
            gpu_emulator.advance(15)
            assert gpu_emulator.now() == before + 15
            assert c.get(f"/v1/endpoints/{e}/tasks/{t}").json()["output"] == "hi"
            methods = [r["method"] for r in gpu_emulator.requests(vendor="acme")]
            assert methods == ["POST", "POST", "GET"]
        """
    )
    inner.runpytest().assert_outcomes(passed=1)


def test_a_server_exception_fails_the_test_that_caused_it(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        from helpers import client

        def test_boom(gpu_emulator):
            assert client(gpu_emulator).get("/v1/boom").status_code == 500

        def test_next_one_is_clean(gpu_emulator):
            assert client(gpu_emulator).get("/v1/endpoints/x").status_code == 404
        """
    )
    result = inner.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*EmulatorServerError*", "*RuntimeError: kaboom*"])


def test_bad_marker_options_are_a_usage_error(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import pytest

        @pytest.mark.gpu_emulator(colour="red")
        def test_x(gpu_emulator):
            pass
        """
    )
    result = inner.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown option*colour*"])


def test_emulator_url_drives_an_external_server(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(Settings(fixtures=[], clock="manual"), vendors=[acme.vendor])
    with ThreadedServer(app) as server:
        monkeypatch.setenv("EMULATOR_URL", server.url)
        inner.makepyfile(
            f"""
            def test_external(gpu_emulator):
                assert gpu_emulator.base_url == "{server.url}"
                assert gpu_emulator.admin.health()["vendors"] == ["acme"]
            """
        )
        inner.runpytest().assert_outcomes(passed=1)


def test_ini_options_configure_the_session_server(inner: pytest.Pytester) -> None:
    inner.makefile(".yaml", base="acme:\n  endpoints: [{id: always, name: a}]\n")
    inner.makeini("[pytest]\ngpu_emulator_fixtures = base.yaml\ngpu_emulator_seed = 9\n")
    inner.makepyfile(
        """
        from helpers import client

        def test_base_fixture(gpu_emulator):
            assert client(gpu_emulator).get("/v1/endpoints/always").status_code == 200
        """
    )
    inner.runpytest().assert_outcomes(passed=1)


def test_refused_reset_options_fail_the_same_way_in_process_and_over_http(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner.makepyfile(
        """
        import pytest
        from emulator.admin_client import AdminError

        @pytest.mark.gpu_emulator(fixtures="missing.yaml")
        def test_missing_file(gpu_emulator):
            pass

        @pytest.mark.gpu_emulator(clock="sundial")
        def test_bad_clock(gpu_emulator):
            pass

        def test_mid_test_reset(gpu_emulator):
            with pytest.raises(AdminError, match="POST /_emulator/reset: 400 unknown reset"):
                gpu_emulator.reset(colour="red")
        """
    )
    in_process = inner.runpytest("-p", "no:randomly")
    in_process.assert_outcomes(passed=1, errors=2)
    lines = [
        "*AdminError: POST /_emulator/reset: 400 *missing.yaml: cannot read*",
        "*AdminError: POST /_emulator/reset: 400 clock: Input should be 'real' or 'manual'*",
    ]
    in_process.stdout.fnmatch_lines(lines)
    app = create_app(Settings(fixtures=[], clock="manual"), vendors=[acme.vendor])
    with ThreadedServer(app) as server:
        monkeypatch.setenv("EMULATOR_URL", server.url)
        over_http = inner.runpytest("-p", "no:randomly")
    over_http.assert_outcomes(passed=1, errors=2)
    over_http.stdout.fnmatch_lines(lines)


def test_an_error_in_an_event_due_now_fails_the_test(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import asyncio

        class Broken:
            def fire(self):
                raise RuntimeError("handler broke")

        def test_due_event(gpu_emulator):
            local = gpu_emulator._local
            assert local is not None  # the plugin's own in-process server
            state = local.control.state

            async def schedule():
                # Due at the present: applied by the next sync (here, the error check's).
                state.sim.engine.at(state.sim.now, Broken().fire)

            asyncio.run_coroutine_threadsafe(schedule(), local.control.loop).result()
        """
    )
    result = inner.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*EmulatorServerError*", "*handler broke*"])
