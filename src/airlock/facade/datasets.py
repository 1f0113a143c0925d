"""Data ingress through the facade: importing, rescanning and releasing datasets, reading
them as a role may, and the lineage of models trained on them (taint, blast radius).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO

from airlock.approvals.permissions import Action, Reach, reach, require
from airlock.domain.names import principal_name, request_id
from airlock.facade.core import FacadeCore
from airlock.facade.values import Actor
from airlock.store.dataset_interface import DatasetEntry, dataset_id

if TYPE_CHECKING:
    from airlock.data_ingress import DatasetImport, ImportOptions
    from airlock.imports.datasets.lineage import BlastRadius
    from airlock.imports.datasets.manifest import FileEntry


class DatasetsMixin(FacadeCore):
    """Datasets and lineage, for :class:`airlock.service.Airlock`."""

    def import_dataset(
        self, actor: Actor, files: Sequence[tuple[str, BinaryIO]], options: ImportOptions
    ) -> DatasetImport:
        """Quarantine, manifest, scan and decide a dataset (see :mod:`airlock.data_ingress`).

        Raises: PermissionDenied for a role that may not import (auditor, approver).
        """
        require(actor, Action.DATASET_IMPORT)
        result = self._data.import_dataset(
            principal_name(actor.name), files, options, actor.ledger_details()
        )
        self._announce(result.request)
        return result

    def rescan_dataset(self, actor: Actor, dataset: str) -> DatasetImport:
        """Raises: PermissionDenied unless admin; NotFound."""
        require(actor, Action.DATASET_RESCAN)
        return self._data.rescan(actor.name, dataset, actor.ledger_details())

    def release_dataset(
        self, actor: Actor, dataset: str
    ) -> tuple[DatasetEntry, str, list[tuple[FileEntry, Iterator[bytes]]]]:
        """A dataset's files out of quarantine, if its scan passed or approvers overrode it.

        Raises: PermissionDenied (not admin or approver), NotFound, Conflict (held, denied).
        """
        require(actor, Action.DATASET_RELEASE)
        return self._data.release(actor.name, dataset, actor.ledger_details())

    def datasets(self) -> Sequence[DatasetEntry]:
        return self._store.datasets.list_datasets()

    def datasets_for(self, actor: Actor) -> list[DatasetEntry]:
        """The datasets the actor may read: all of them, or those they imported.

        Raises: PermissionDenied if the actor may read no request.
        """
        match reach(actor, Action.REQUEST_READ):
            case Reach.ANY:
                return list(self._store.datasets.list_datasets())
            case Reach.OWN:
                return [
                    d
                    for d in self._store.datasets.list_datasets()
                    if self._store.get_request(d.request_id).principal == actor.name
                ]
            case _:
                require(actor, Action.REQUEST_READ)
                return []

    def dataset_for(self, actor: Actor, dataset: str) -> DatasetEntry:
        """One dataset, if the actor may read the request that brought it in.

        Raises: InvalidInput (not an id), NotFound, PermissionDenied.
        """
        entry = self._store.datasets.get_dataset(dataset_id(dataset))
        self.get_request(actor, entry.request_id)
        return entry

    def dataset_for_request(self, request: str) -> DatasetEntry | None:
        """The dataset a data-import request brought in, if it is one."""
        return self._store.datasets.dataset_for_request(request_id(request))

    def dataset(self, dataset: str) -> DatasetEntry:
        """Raises: InvalidInput (not an id), NotFound."""
        return self._store.datasets.get_dataset(dataset_id(dataset))

    def add_lineage(self, actor: Actor, model: str, trained_on: Sequence[str]) -> int:
        """Raises: PermissionDenied unless admin; NotFound; InvalidInput."""
        require(actor, Action.LINEAGE_ADD)
        return self._lineage.add_lineage(actor.name, model, trained_on, actor.ledger_details())

    def taint(self, actor: Actor, origin: str) -> BlastRadius:
        """Blast radius of a compromised source, dataset or model. Raises: NotFound."""
        require(actor, Action.TAINT_READ)
        return self._lineage.taint(
            actor.name, self._lineage.resolve_node(origin), actor.ledger_details()
        )
