"""Software ingress through the facade: admitting a package to the internal index, the
known-bad feed, pinned and attested publishers, and the sealed files the index serves.

Vetting and admission are :mod:`airlock.package_ingress`'s and :mod:`airlock.package_policy`'s,
imported when first used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO

from airlock.approvals.permissions import Action, require
from airlock.domain.identity import Auth, AuthMethod
from airlock.domain.principals import Principal
from airlock.errors import NotFound, PermissionDenied
from airlock.facade.core import FacadeCore
from airlock.facade.values import Actor
from airlock.store.interface import PackageFile
from airlock.store.outbox import Staged

if TYPE_CHECKING:
    from pathlib import Path

    from airlock.package_ingress import Admission, FeedImport
    from airlock.package_policy import NamesRefresh, PolicyChange


class PackagesMixin(FacadeCore):
    """Package ingress and the internal index, for :class:`airlock.service.Airlock`."""

    def admit_package(
        self,
        principal: Principal,
        filename: str,
        data: bytes | BinaryIO,
        *,
        auth: Auth = AuthMethod.TOKEN,
        attestation: bytes | None = None,
    ) -> Admission:
        """Vet a package and, if clean (or once approved), serve it on the internal index;
        ``attestation`` is its PEP 740 attestation or PyPI provenance, verified offline."""
        from airlock.package_ingress import admit_package

        require(principal, Action.PACKAGE_SUBMIT)
        admission = admit_package(
            self._store,
            seals=self.seals,
            outbox=self.outbox,
            ledger=self.ledger,
            clock=self._clock,
            principal=principal,
            filename=filename,
            data=data,
            policy_version=self._policy.version,
            max_bytes=self.settings.uploads.max_package_bytes,
            keep_denied=self.settings.uploads.keep_denied,
            auth=auth,
            attestation=attestation,
            carry=self.settings.approvals.carry_package_approvals,
            vet_seconds=self.settings.uploads.vet_seconds,
        )
        self._announce(admission.request)
        return admission

    def admit_staged_package(
        self,
        principal: Principal,
        filename: str,
        staged: Staged,
        *,
        auth: Auth = AuthMethod.TOKEN,
        attestation: bytes | None = None,
    ) -> Admission:
        """:meth:`admit_package` of a file already staged in the outbox."""
        from airlock.package_ingress import admit_staged_package

        try:
            require(principal, Action.PACKAGE_SUBMIT)  # the HTTP gate checked too
        except PermissionDenied:
            self.outbox.drop(staged)
            raise
        admission = admit_staged_package(
            self._store,
            seals=self.seals,
            outbox=self.outbox,
            ledger=self.ledger,
            clock=self._clock,
            principal=principal,
            filename=filename,
            staged=staged,
            policy_version=self._policy.version,
            keep_denied=self.settings.uploads.keep_denied,
            auth=auth,
            attestation=attestation,
            carry=self.settings.approvals.carry_package_approvals,
            vet_seconds=self.settings.uploads.vet_seconds,
        )
        self._announce(admission.request)
        return admission

    def import_package_feed(self, actor: Actor, paths: Sequence[Path]) -> FeedImport:
        """Import an offline OSV malicious-packages feed (files, folders or a zip of JSON).

        Raises: PermissionDenied unless admin; SourceError (unreadable), InvalidInput (not
        OSV, no PyPI record, over the size bounds) before anything is recorded.
        """
        from airlock.imports.packages.feed import feed_entries
        from airlock.imports.packages.feed_files import feed_texts
        from airlock.package_ingress import import_feed

        require(actor, Action.PACKAGE_FEED_IMPORT)
        entries = feed_entries(feed_texts(paths))
        return import_feed(
            self._store,
            self._policy_change(actor),
            entries=entries,
        )

    def pin_publisher(self, actor: Actor, project: str, publisher: str) -> int:
        """Pin ``project``'s Trusted Publisher (``''`` unpins); returns the ledger index.

        Raises: PermissionDenied unless admin; InvalidInput for a malformed publisher.
        """
        from airlock.package_policy import pin_publisher

        require(actor, Action.PACKAGE_POLICY)
        return pin_publisher(
            self._store,
            self._policy_change(actor),
            project=project,
            publisher=publisher,
        )

    def _policy_change(self, actor: Actor) -> PolicyChange:
        from airlock.package_policy import PolicyChange

        return PolicyChange(
            self.ledger, self._clock, actor.name, actor.ledger_details(), self._policy.version
        )

    def publisher_pins(self) -> dict[str, str]:
        """project -> pinned Trusted Publisher."""
        return self._store.known_bad.publisher_pins()

    def attested_publishers(self) -> dict[tuple[str, str], str]:
        """(project, version) -> the publisher a verified attestation named at admission."""
        return self._store.known_bad.attested_publishers()

    def refresh_protected_names(self, actor: Actor, popular: Sequence[str]) -> NamesRefresh:
        """Add ``popular`` names and every project the index serves to the typosquat check's
        protected names (issue 16). Raises: PermissionDenied unless admin."""
        from airlock.package_policy import refresh_names

        require(actor, Action.PACKAGE_POLICY)
        return refresh_names(
            self._store,
            self._policy_change(actor),
            popular=popular,
            index_projects=sorted({f.project for f in self._store.package_files()}),
        )

    def package_feed_size(self) -> int:
        """Entries of the known-bad package feed the store holds."""
        return self._store.known_bad.known_bad_count()

    def index_files(self, project: str | None = None) -> Sequence[PackageFile]:
        """Released package files, as the internal index lists them.

        Raises:
            LedgerIntegrityError: a listed file or its request is not as airlock sealed it.
        """
        files = self._store.package_files(project)
        for entry in files:
            self._check_package(entry)
        return files

    def package_file(self, filename: str) -> PackageFile:
        """A released package file whose row and release are sealed (issue 22).

        Raises: NotFound, LedgerIntegrityError.
        """
        entry = next((f for f in self._store.package_files() if f.filename == filename), None)
        if entry is None:
            raise NotFound(f"{filename} is not a vetted file on this index")
        self._check_package(entry)
        return entry

    def _check_package(self, entry: PackageFile) -> None:
        self.seals.check("package_files", {"filename": entry.filename})
        self._egress.check_released(self._store.get_request(entry.request_id))
