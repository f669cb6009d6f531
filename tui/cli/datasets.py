"""`aepx datasets list|create`."""

from __future__ import annotations

import click

from tui.cli.base import EXIT_OK, Context, cli, emit_json, out, run_async, table


@cli.group()
def datasets() -> None:
    """Target datasets on the profile union schema."""


@datasets.command("list")
@click.option("--all-schemas", is_flag=True, help="Also list datasets not on the profile union schema.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw Catalog records.")
@click.pass_obj
@run_async
async def datasets_list(obj: Context, all_schemas: bool, as_json: bool) -> int:
    """List datasets that export jobs can write into."""
    async with obj.client() as api:
        found = await api.list_datasets(union_only=not all_schemas)
    if as_json:
        emit_json({d.id: dict(d.raw) for d in found})
    else:
        table(["ID", "NAME", "SCHEMA"], [[d.id, d.name, d.schema_id] for d in found])
    return EXIT_OK


@datasets.command("create")
@click.option("--name", required=True, help="A descriptive dataset name.")
@click.option("--json", "as_json", is_flag=True, help='Print {"id": ...}.')
@click.pass_obj
@run_async
async def datasets_create(obj: Context, name: str, as_json: bool) -> int:
    """Create a parquet dataset on the profile union schema and print its id."""
    async with obj.client() as api:
        dataset_id = await api.create_dataset(name)
    if as_json:
        emit_json({"id": dataset_id, "name": name})
    else:
        out(dataset_id)
    return EXIT_OK
