"""Items of agencies and sub-accounts. Key shapes are stated on each class.

The agency records live in the identity table beside the workspaces they describe; activity counters and
templates live in the CRM table beside the data they count or copy. Every partition key starts with the
workspace id that owns the item, so an agency's reads never leave its own partitions and a sub-account's.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from leadpilot.db.base import CrmModel, IdentityModel


class AgencyItem(IdentityModel, discriminator="agency"):
    """PK: WS#<agency>  SK: AGENCY. Marks a workspace as an agency."""

    workspace_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()


class SubAccountItem(IdentityModel, discriminator="agency_sub_account"):
    """PK: WS#<agency>#SUBACCOUNTS  SK: SUB#<sub_account_id>. One sub-account the agency owns (its listing)."""

    sub_account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    timezone = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()


class ParentAgencyItem(IdentityModel, discriminator="agency_parent"):
    """PK: WS#<sub_account>  SK: AGENCY_PARENT. Which agency owns a sub-account (a sub-account cannot be an agency)."""

    agency_id = UnicodeAttribute()


class ActivityCounterItem(CrmModel, discriminator="agency_activity"):
    """PK: WS#<ws>#ACTIVITY  SK: <metric>#MONTH#<yyyy-mm> (UTC). Monthly counts of domain events, moved by an atomic
    ADD once per event id; what the agency rollups read instead of scanning messages, calls or appointments."""

    total = NumberAttribute(default=0)


class AgencyTemplateItem(CrmModel, discriminator="agency_template"):
    """PK: WS#<agency>#AGENCY_TEMPLATES  SK: TEMPLATE#<template_id>. A captured template ("snapshot"): the
    pipelines, custom fields, SMS templates, sequences and flows of one workspace, as JSON."""

    template_id = UnicodeAttribute()
    name = UnicodeAttribute()
    source_workspace_id = UnicodeAttribute()
    content = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
