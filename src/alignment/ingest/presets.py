"""Header spellings: which export column fills which canonical field, declared once.

`GENERIC_ALIASES` holds, per object type, the names CRMs commonly use for each canonical field
(any CRM, matched case-insensitively ignoring spaces, underscores, quotes and punctuation).
`PRESETS` are known exports (DESIGN section 4), each recognised from its header row by the
columns typical of it (`signature`) and adding its own spellings to the generic ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

GENERIC_SOURCE = "generic"
"""Source system of files that match no preset (the user may rename it on the Import page)."""


def normalise(name: str) -> str:
    """Header comparison key: lower case, letters and digits only (`Record ID` -> `recordid`)."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _date_entered(stage: str) -> tuple[str, ...]:
    """HubSpot's two generations of lifecycle-stage date headers, labels and internal names."""
    words = {
        "lead": "Lead",
        "marketingqualifiedlead": "Marketing Qualified Lead",
        "salesqualifiedlead": "Sales Qualified Lead",
        "opportunity": "Opportunity",
        "customer": "Customer",
    }[stage]
    article = "an" if words[0] in "AEIOU" else "a"
    return (
        f"Became {article} {words} Date",
        f'Date entered "{words} (Lifecycle Stage Pipeline)"',
        f"Date entered {words} (Lifecycle Stage Pipeline)",
        f"hs_lifecyclestage_{stage}_date",
        f"hs_v2_date_entered_{stage}",
    )


GENERIC_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "leads": {
        "external_id": (
            "Id",
            "Record ID",
            "Lead ID",
            "Contact ID",
            "Prospect ID",
            "Person ID",
            "hs_object_id",
            "vid",
            "Lead Number",
        ),
        "created_at": (
            "Create Date",
            "Created Date",
            "Created At",
            "createdate",
            "Date Created",
            "Creation Date",
            "Lead Created Date",
            "Created",
            *_date_entered("lead")[:1],
        ),
        "email": ("Email", "E-mail", "Email Address", "Work Email"),
        "name": ("Name", "Full Name", "Lead Name", "Contact Name"),
        "channel_raw": (
            "Lead Source",
            "LeadSource",
            "Original Source",
            "Original Traffic Source",
            "hs_analytics_source",
            "Source",
            "Channel",
            "Marketing Channel",
            "originalSourceType",
        ),
        "campaign": ("Campaign", "Campaign Name", "UTM Campaign", "Primary Campaign"),
        "segment": ("Segment", "Customer Segment", "Market Segment"),
        "region": ("Region", "Sales Region", "Territory"),
        "country": ("Country", "Country/Region", "Billing Country"),
        "industry": ("Industry",),
        "employees": ("Number of Employees", "Employees", "NumberOfEmployees", "Company Size"),
        "company": ("Company", "Company Name", "Company / Account", "Account Name", "Organization"),
        "owner": (
            "Owner",
            "Lead Owner",
            "Contact owner",
            "hubspot_owner_id",
            "OwnerId",
            "Sales Rep",
            "Sales Agent",
            "Assigned To",
        ),
        "team": ("Team", "Sales Team"),
        "score": ("Score", "Lead Score", "leadScore", "HubSpot Score", "hubspotscore"),
        "high_intent": ("High Intent", "Hand Raiser"),
        "status_raw": (
            "Lead Status",
            "Status",
            "hs_lead_status",
            "leadStatus",
            "Lifecycle Stage",
            "lifecyclestage",
        ),
        "mql_at": (
            "MQL Date",
            "MQL_Date__c",
            "Marketing Qualified Date",
            *_date_entered("marketingqualifiedlead"),
        ),
        "sal_at": ("SAL Date", "SAL_Date__c", "Sales Accepted Date", "Accepted Date"),
        "sql_at": ("SQL Date", "SQL_Date__c", *_date_entered("salesqualifiedlead")),
        "opp_at": (
            "Opportunity Date",
            "Converted Date",
            "ConvertedDate",
            *_date_entered("opportunity"),
        ),
        "won_at": ("Won Date", "Customer Date", *_date_entered("customer")),
        "is_converted": ("Converted", "IsConverted", "Is Converted"),
        "lost_at": ("Lost Date",),
        "rejected_at": ("Rejected Date", "Disqualified Date", "Unqualified Date"),
        "rejection_reason_raw": (
            "Rejection Reason",
            "Disqualification Reason",
            "Unqualified Reason",
            "Unqualified_Reason__c",
            "hs_lead_disqualification_reason",
            "Lead Disqualification Reason",
        ),
        "opp_id": ("Converted Opportunity ID", "ConvertedOpportunityId"),
    },
    "opportunities": {
        "external_id": (
            "Id",
            "Opportunity ID",
            "Deal ID",
            "Record ID",
            "hs_object_id",
        ),
        "lead_id": ("Lead ID", "Contact ID", "Converted Lead ID"),
        "account": ("Account", "Account Name", "Company", "Company Name"),
        "name": ("Opportunity Name", "Deal Name", "Name", "dealname"),
        "owner": (
            "Owner",
            "Opportunity Owner",
            "Deal owner",
            "hubspot_owner_id",
            "OwnerId",
            "Sales Agent",
            "Sales Rep",
        ),
        "team": ("Team", "Sales Team"),
        "region": ("Region", "Sales Region", "Territory"),
        "segment": ("Segment",),
        "channel_raw": (
            "Lead Source",
            "LeadSource",
            "Original Traffic Source",
            "Original Source",
            "Source",
            "Channel",
        ),
        "product": ("Product", "Product Name"),
        "type": ("Type", "Deal Type", "Opportunity Type", "dealtype"),
        "created_at": (
            "Created Date",
            "Create Date",
            "CreatedDate",
            "createdate",
            "Created At",
            "Engage Date",
            "Open Date",
        ),
        "closed_at": ("Close Date", "Closed Date", "CloseDate", "closedate"),
        "stage_raw": ("Stage", "Deal Stage", "Stage Name", "StageName", "dealstage"),
        "is_closed": ("Closed", "IsClosed", "Is Closed", "hs_is_closed"),
        "is_won": ("Won", "IsWon", "Is Closed Won", "hs_is_closed_won"),
        "amount": ("Amount", "Close Value", "Deal Amount", "Opportunity Amount", "Value"),
        "currency": ("Currency", "Currency ISO Code", "CurrencyIsoCode", "Deal Currency Code"),
        "lost_reason_raw": ("Loss Reason", "Lost Reason", "Closed Lost Reason", "Reason Lost"),
    },
    "activities": {
        "external_id": ("Id", "Activity ID", "Task ID", "Call ID"),
        "lead_id": ("Lead ID", "Prospect", "Prospect ID", "WhoId", "Contact ID", "Called Person"),
        "opp_id": ("Opportunity ID", "WhatId"),
        "owner": ("Assigned", "Assigned To", "User", "Owner", "Sales Rep"),
        "activity_type": ("Activity Type", "Task Subtype", "TaskSubtype", "Type", "Mailing Type"),
        "direction": ("Direction",),
        "occurred_at": (
            "Created Date",
            "CreatedDate",
            "Created At",
            "createdAt",
            "Dialed At",
            "Delivered At",
            "Completed At",
            "Activity Date",
            "Date",
        ),
        "outcome": ("Call Result", "Outcome", "Disposition", "Result"),
    },
    "touchpoints": {
        "external_id": ("Id", "Touchpoint ID"),
        "lead_id": ("Lead ID", "Contact ID"),
        "opp_id": ("Opportunity ID",),
        "touched_at": ("Touchpoint Date", "bizible2__Touchpoint_Date__c", "Date"),
        "channel": ("Channel", "Marketing Channel", "bizible2__Marketing_Channel__c"),
        "campaign": (
            "Campaign",
            "Campaign Name",
            "Ad Campaign Name",
            "bizible2__Ad_Campaign_Name__c",
        ),
        "content_asset": ("Content Asset", "Asset", "Content"),
        "medium": ("Medium",),
        "is_first_touch": ("Is First Touch", "First Touch"),
        "is_lead_creation_touch": ("Is Lead Creation Touch", "Lead Creation Touch"),
        "is_opp_creation_touch": ("Is Opp Creation Touch", "Opportunity Creation Touch"),
    },
    "spend": {
        "month": ("Month", "Date", "Period"),
        "channel": ("Channel", "Marketing Channel"),
        "campaign": ("Campaign", "Campaign Name"),
        "amount": ("Amount", "Spend", "Cost"),
        "currency": ("Currency",),
    },
    "targets": {
        "month": ("Month", "Date", "Period"),
        "metric": ("Metric", "KPI"),
        "value": ("Value", "Target"),
    },
}


@dataclass(frozen=True)
class Preset:
    """A known export: its source system, what it holds, the headers that identify it, and its
    own spellings of canonical fields (added before the generic ones)."""

    name: str
    label: str
    source_system: str
    object_type: str
    signature: tuple[str, ...]
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def all_aliases(self) -> dict[str, tuple[str, ...]]:
        """This preset's spellings first, then the generic ones, per canonical field."""
        generic = GENERIC_ALIASES[self.object_type]
        fields = list(dict.fromkeys([*self.aliases, *generic]))
        return {f: (*self.aliases.get(f, ()), *generic.get(f, ())) for f in fields}


PRESETS: tuple[Preset, ...] = (
    Preset(
        "hubspot_contacts",
        "HubSpot contacts",
        "hubspot",
        "leads",
        signature=(
            "Record ID",
            "Contact ID",
            "Create Date",
            "Lifecycle Stage",
            "Lead Status",
            "Original Source",
            "Original Traffic Source",
            "Contact owner",
            "Became a Marketing Qualified Lead Date",
            'Date entered "Marketing Qualified Lead (Lifecycle Stage Pipeline)"',
            "hs_object_id",
            "lifecyclestage",
            "hs_lead_status",
            "hs_analytics_source",
            "hubspot_owner_id",
        ),
        aliases={"external_id": ("Record ID", "Contact ID", "hs_object_id")},
    ),
    Preset(
        "hubspot_deals",
        "HubSpot deals",
        "hubspot",
        "opportunities",
        signature=(
            "Record ID",
            "Deal Name",
            "Deal Stage",
            "Pipeline",
            "Close Date",
            "Create Date",
            "Deal owner",
            "Deal Type",
            "Closed Lost Reason",
            "Is Closed Won",
            "dealname",
            "dealstage",
        ),
        aliases={"external_id": ("Record ID", "Deal ID", "hs_object_id")},
    ),
    Preset(
        "salesforce_leads",
        "Salesforce leads",
        "salesforce",
        "leads",
        signature=(
            "Lead ID",
            "Lead Owner",
            "Company / Account",
            "Lead Source",
            "Lead Status",
            "Converted",
            "Converted Date",
            "IsConverted",
            "ConvertedOpportunityId",
            "LeadSource",
        ),
        aliases={"external_id": ("Lead ID", "Id")},
    ),
    Preset(
        "salesforce_opportunities",
        "Salesforce opportunities",
        "salesforce",
        "opportunities",
        signature=(
            "Opportunity ID",
            "Opportunity Name",
            "Opportunity Owner",
            "Stage",
            "Close Date",
            "Created Date",
            "Won",
            "Closed",
            "Lead Source",
            "Account Name",
            "StageName",
            "IsWon",
            "IsClosed",
        ),
        aliases={"external_id": ("Opportunity ID", "Id")},
    ),
)

GENERIC_PRESETS: tuple[Preset, ...] = tuple(
    Preset(f"generic_{object_type}", f"Generic {object_type}", GENERIC_SOURCE, object_type, ())
    for object_type in GENERIC_ALIASES
)
"""One preset per object type for files no known preset matches (aliases only)."""
