"""``aepx emulator``: serve the local Platform emulator until Ctrl-C or SIGTERM.

Heavy imports (starlette, uvicorn) happen inside the command, so ``aepx --help`` stays fast.
"""

from __future__ import annotations

import ipaddress
import signal
import threading
from types import FrameType

import click

from tui.emulator.settings import EmulatorSettings, parse_latency


def _latency(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, int]:
    try:
        return parse_latency(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on. Keep the loopback default: the emulator has no real security.")
@click.option("--port", default=8085, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port; 0 picks a free port and prints it.")
@click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Emulated time runs this many times faster than real time (job lifecycles take minutes "
                   "at 1.0; try 20 for a lively demo).")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Random seed of the demo data and of job outcomes; same seed, same data.")
@click.option("--jobs", default=250, show_default=True, type=click.IntRange(min=0),
              help="Number of export jobs seeded in the configured sandbox, spread over the last three weeks.")
@click.option("--client-id", default="aepx-emulator", show_default=True,
              help="OAuth client id the IMS endpoint accepts; also the required x-api-key.")
@click.option("--client-secret", default="emulator-secret", show_default=True,
              envvar="AEPX_EMULATOR_CLIENT_SECRET",
              help="OAuth client secret the IMS endpoint accepts (or set AEPX_EMULATOR_CLIENT_SECRET to keep "
                   "it out of the process list).")
@click.option("--org", default="EMULATOR0000000000000000@AdobeOrg", show_default=True,
              help="IMS organization id of issued tokens; x-gw-ims-org-id must match it.")
@click.option("--sandbox", default="prod", show_default=True,
              help="Sandbox that holds the seeded data; any other sandbox name works and starts empty.")
@click.option("--cancel-response", default="204", show_default=True, type=click.Choice(["204", "200"]),
              help="DELETE answer: 204 with an empty body (Profile guide) or 200 "
                   '{"status": true, "message": ...} (Segmentation guide and spec).')
@click.option("--fault-rate-429", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Share of Platform calls answered 429, alternating the gateway shape (Retry-After header) "
                   "and the UPS array shape (retryAfterMs, no header).")
@click.option("--fault-rate-5xx", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Share of Platform calls answered 500, 502 or 503. Faulted calls change nothing.")
@click.option("--latency-ms", default="0", show_default=True, callback=_latency, metavar="MS|MIN-MAX",
              help="Delay added to every Platform call: a fixed number of milliseconds or a random MIN-MAX range.")
@click.option("--token-ttl", default=86399, show_default=True, type=click.IntRange(min=1),
              help="Lifetime of issued access tokens, in real seconds (not scaled by --speed).")
@click.option("--batch-rows", default=20_000, show_default=True, type=click.IntRange(min=0),
              help="Rows in each export batch, split over 2-5 Parquet part files generated on first read "
                   "(0: batches with no files).")
@click.option("--fault-rate-cut", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Share of file downloads whose connection is cut mid-body (to rehearse resumption).")
@click.option("--truncated-files", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Share of batches whose last part file is truncated (not valid Parquet).")
@click.option("--link-origin", default="", metavar="URL",
              help="Origin written into absolute Data Access links (default: the emulator's own), e.g. to "
                   "rehearse a next link that points elsewhere.")
def emulator(host: str, port: int, speed: float, seed: int, jobs: int, client_id: str, client_secret: str,
             org: str, sandbox: str, cancel_response: str, fault_rate_429: float, fault_rate_5xx: float,
             latency_ms: tuple[int, int], token_ttl: int, batch_rows: int, fault_rate_cut: float,
             truncated_files: float, link_origin: str) -> None:
    """Serve a local emulator of the Adobe IMS and Platform APIs that aepx uses.

    It answers the IMS token, Catalog dataset and batch, merge policy, profile export job and Data
    Access file endpoints on one origin (every SUCCEEDED job's batch has real Parquet files), with
    seeded demo jobs that move through their lifecycle in (scaled) real time. Stop it
    with Ctrl-C or SIGTERM.
    """
    try:
        settings = EmulatorSettings(
            host=host, port=port, speed=speed, seed=seed, jobs=jobs, client_id=client_id,
            client_secret=client_secret, org=org, sandbox=sandbox, cancel_response=int(cancel_response),
            fault_rate_429=fault_rate_429, fault_rate_5xx=fault_rate_5xx, latency_ms=latency_ms,
            token_ttl=token_ttl, batch_rows=batch_rows, fault_rate_cut=fault_rate_cut,
            truncated_share=truncated_files, link_origin=link_origin)
    except ValueError as exc:
        raise click.UsageError(f"Invalid emulator option: {exc}.") from None
    if not is_loopback(host):
        click.echo(f"Warning: listening on {host}, which is not a loopback address; anyone who can reach it "
                   "can use the emulator's well-known credentials.", err=True)
    serve(settings)


def serve(settings: EmulatorSettings) -> None:
    from tui.emulator.server import EmulatorServer, EmulatorStartError
    from tui.emulator.settings import profile_toml

    server = EmulatorServer(settings)
    try:
        base_url = server.start()
    except EmulatorStartError as exc:
        raise click.ClickException(f"The emulator could not start: {exc}. Choose another --port "
                                   "(0 picks a free one).") from None
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        click.echo(f"aepx emulator listening on {base_url} (port {server.port})")
        click.echo(f"Org {settings.org}, sandbox {settings.sandbox!r}: {settings.jobs} seeded jobs, seed "
                   f"{settings.seed}, speed x{settings.speed:g}.")
        click.echo("")
        click.echo(profile_toml(base_url, settings))
        click.echo("Press Ctrl-C to stop.", nl=True)
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
    click.echo("Emulator stopped.")
