"""`photoflow registry-sim`: the registry's submission API on this machine, with faults on demand.

Point photoflow at it with PHOTOFLOW_REGISTRY_URL (and the same PHOTOFLOW_REGISTRY_TOKEN); see
`docs/registry_api.md` for the API and what each fault means to the client.
"""

from __future__ import annotations

from typing import Annotated

import typer


def registry_sim(
    token: Annotated[
        str,
        typer.Option(
            envvar="PHOTOFLOW_REGISTRY_TOKEN",
            show_default=False,
            help="Bearer token requests must carry; prefer the environment variable (argv shows in ps).",
        ),
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
    fail_first: Annotated[
        int, typer.Option(min=0, help="Answer the first N requests HTTP 500 (a transient fault).")
    ] = 0,
    error_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Answer this share of requests HTTP 500, at random.")
    ] = 0.0,
    timeout_first: Annotated[
        int,
        typer.Option(
            min=0, help="Process the first N packages but hold their answers back --hang-s (a timeout)."
        ),
    ] = 0,
    hang_s: Annotated[float, typer.Option(min=0.0, help="How long a withheld answer is held.")] = 30.0,
    delay_s: Annotated[float, typer.Option(min=0.0, help="Wait this long before every answer.")] = 0.0,
    reject: Annotated[
        list[str] | None,
        typer.Option(help="Reject the photo of this ID number (证件号); repeat for more."),
    ] = None,
    reject_rate: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Reject this share of photos, chosen from the ID number's hash."),
    ] = 0.0,
    decide_after_s: Annotated[
        float, typer.Option(min=0.0, help="Answer 'processing' until this long after receipt.")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed for --error-rate and --reject-rate.")] = 0,
) -> None:
    """Run the registry simulator in the foreground until Ctrl-C, for the demo and manual tests."""
    from photoflow import idnumber
    from photoflow.sandbox.registry_server import serve_simulator
    from photoflow.sandbox.registry_simulator import Faults, RegistrySimulator

    if not token.strip():
        raise typer.BadParameter("the token is empty", param_hint="--token")
    faults = Faults(
        fail_first=fail_first,
        error_rate=error_rate,
        timeout_first=timeout_first,
        hang_s=hang_s,
        delay_s=delay_s,
        reject_keys={idnumber.normalise(key) for key in reject or []},
        reject_rate=reject_rate,
        decide_after_s=decide_after_s,
        seed=seed,
    )
    where = f"[{host}]" if ":" in host else host  # an IPv6 address
    typer.echo(
        f"registry simulator on http://{where}:{port} (set PHOTOFLOW_REGISTRY_URL to it); "
        f"faults: {faults.describe()}; Ctrl-C stops it"
    )
    serve_simulator(RegistrySimulator(token.strip(), faults), host, port)
