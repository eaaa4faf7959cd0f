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
        # a generic `Converted` flag on a lead export without opportunities means a customer
        # (X Education); Salesforce's `Converted` / `IsConverted` (its preset) an opportunity
        "is_converted": ("IsConverted", "Is Converted"),
        "is_won": ("Converted",),
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
        "email": ("Email", "E-mail", "Email Address", "Prospect Email", "Contact Email"),
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
        "email": ("Email", "E-mail", "Email Address", "Contact Email"),
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
    "owners": {
        "owner": (
            "Owner",
            "Sales Agent",
            "Sales Rep",
            "Rep",
            "Rep Name",
            "User",
            "User Name",
            "Full Name",
            "Name",
        ),
        "team": ("Team", "Sales Team", "Team Name"),
        "manager": ("Manager", "Sales Manager", "Manager Name"),
        "region": ("Region", "Regional Office", "Office", "Sales Region", "Territory"),
    },
    "accounts": {
        "account": ("Account", "Account Name", "Company", "Company Name", "Organization", "Name"),
        "domain": ("Domain", "Website", "Company Website", "Web Site", "URL"),
        "industry": ("Industry", "Sector", "Primary Industry"),
        "employees": ("Employees", "Number of Employees", "NumberOfEmployees", "Employee Count"),
        "revenue": ("Revenue", "Annual Revenue", "AnnualRevenue"),
        "country": (
            "Country",
            "Office Location",
            "Billing Country",
            "BillingCountry",
            "HQ Country",
        ),
        "region": ("Region", "Sales Region", "Territory"),
        "segment": ("Segment", "Customer Segment", "Market Segment"),
    },
    "lead_history": {
        "external_id": ("Lead ID", "LeadId", "Id", "Record ID"),
        "field": ("Field / Event", "Field", "Event", "Property"),
        "old_value": ("Old Value", "OldValue", "From", "Previous Value"),
        "new_value": ("New Value", "NewValue", "To", "Value"),
        "edited_at": ("Edit Date", "CreatedDate", "Created Date", "Changed At", "Timestamp"),
    },
    "opportunity_history": {
        "external_id": ("Opportunity ID", "OpportunityId", "Id", "Deal ID", "Record ID"),
        "field": ("Field / Event", "Field", "Event", "Property"),
        "old_value": ("Old Value", "OldValue", "From", "Previous Value"),
        "new_value": ("New Value", "NewValue", "To", "Value"),
        "edited_at": ("Edit Date", "CreatedDate", "Created Date", "Changed At", "Timestamp"),
    },
}

PATTERN_ALIASES: dict[str, dict[str, str]] = {
    "leads": {
        "mql_at": r"mql.*date|date.*mql|marketing ?qualified.*date",
        "sal_at": r"\bsal\b.*date|date.*\bsal\b|accepted.*date",
        "sql_at": r"\bsql\b.*date|date.*\bsql\b|sales ?qualified.*date",
        "rejected_at": r"(unqualified|disqualified|rejected).*date",
        "rejection_reason_raw": r"(unqualif|disqualif|reject|recycl).*reason",
    },
    "opportunities": {"lost_reason_raw": r"(loss|lost).*reason"},
}
"""Custom fields (Salesforce `MQL_Date__c`, `Unqualified_Reason__c`, HubSpot custom properties)
matched by a pattern over the header (lower case, `_` as space), after every exact alias."""


Mark = tuple[str, ...]
"""One header typical of an export, as its alternative spellings (label, API name, older
names): the mark is present when any spelling is in the header row."""

ACTIVITY_TYPE_MAP: dict[str, str] = {
    "call": "call",
    "calls": "call",
    "phone": "call",
    "email": "email",
    "e-mail": "email",
    "listemail": "email",
    "list email": "email",
    "mail": "email",
    "meeting": "meeting",
    "event": "meeting",
    "linkedin": "linkedin",
    "inmail": "linkedin",
    "task": "task",
    "todo": "task",
}
"""Activity types as exported (Salesforce Task Subtype / Type, ...) -> canonical type."""

DIRECTION_MAP: dict[str, str] = {
    "outbound": "outbound",
    "out": "outbound",
    "inbound": "inbound",
    "in": "inbound",
    "internal": "internal",
}


@dataclass(frozen=True)
class Preset:
    """A known export, declared as data: its source system and record type, the headers that
    identify it (`signature`, with `requires` marks that must all be present), its own
    spellings of canonical fields (tried before the generic ones), and how its values read:
    `value_maps` (field -> raw value, lower case -> canonical value; other values pass
    unchanged), `token_flags` (boolean field -> token in a list cell, e.g. Bizible's
    `FT, LC`), `constants` (field -> value for every row, e.g. Outreach calls are calls),
    `copy_fields` (field -> field whose column also fills it when it has none of its own),
    `reference_system` (source system of the ids in reference columns, when not its own)."""

    name: str
    label: str
    source_system: str
    object_type: str
    signature: tuple[Mark, ...] = ()
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    requires: tuple[Mark, ...] = ()
    own_aliases_only: tuple[str, ...] = ()
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    token_flags: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    copy_fields: dict[str, str] = field(default_factory=dict)
    reference_system: str | None = None

    def all_aliases(self) -> dict[str, tuple[str, ...]]:
        """This preset's spellings first, then the generic ones, per canonical field."""
        generic = GENERIC_ALIASES[self.object_type]
        fields = list(dict.fromkeys([*self.aliases, *generic]))
        return {
            f: (
                *self.aliases.get(f, ()),
                *(() if f in self.own_aliases_only else generic.get(f, ())),
            )
            for f in fields
        }

    def marks_present(self, columns: list[str]) -> tuple[int, bool]:
        """(number of header columns that are signature or required marks, every required
        mark present); a column counts once even when it fits several marks."""
        present = {normalise(c) for c in columns}
        used: set[str] = set()

        def hit(mark: Mark) -> bool:
            found = [n for n in (normalise(s) for s in mark) if n in present]
            fresh = [n for n in found if n not in used]
            used.update(fresh[:1])
            return bool(fresh)

        required = all(hit(m) for m in self.requires)
        others = sum(hit(m) for m in self.signature)
        return len(used) if required else others, required


PRESETS: tuple[Preset, ...] = (
    Preset(
        "hubspot_contacts",
        "HubSpot contacts",
        "hubspot",
        "leads",
        requires=(("Record ID", "Contact ID", "hs_object_id", "vid"),),
        signature=(
            ("Create Date", "createdate"),
            ("Lifecycle Stage", "lifecyclestage"),
            ("Lead Status", "hs_lead_status"),
            ("Original Source", "Original Traffic Source", "hs_analytics_source"),
            ("Original Source Drill-Down 1", "hs_analytics_source_data_1"),
            ("Contact owner", "hubspot_owner_id"),
            ("First Name", "firstname"),
            ("Last Name", "lastname"),
            _date_entered("marketingqualifiedlead"),
            _date_entered("salesqualifiedlead"),
            _date_entered("lead"),
            _date_entered("customer"),
            ("Date of first engagement", "hs_sa_first_engagement_date"),
            ("Number of times contacted", "num_contacted_notes"),
            ("Associated Deal IDs", "Associated Deal ID", "Associated Deals"),
            ("Country/Region",),
        ),
        aliases={
            "external_id": ("Record ID", "Contact ID", "hs_object_id", "vid"),
            "created_at": ("Create Date", "createdate"),
            "channel_raw": ("Original Source", "Original Traffic Source", "hs_analytics_source"),
            "owner": ("Contact owner", "hubspot_owner_id"),
            "status_raw": ("Lead Status", "hs_lead_status", "Lifecycle Stage", "lifecyclestage"),
            "company": ("Company Name", "company"),
            "employees": ("Number of Employees", "numberofemployees"),
            "country": ("Country/Region", "country"),
            "score": ("HubSpot Score", "hubspotscore"),
            "mql_at": _date_entered("marketingqualifiedlead"),
            "sql_at": _date_entered("salesqualifiedlead"),
            "opp_at": _date_entered("opportunity"),
            "won_at": _date_entered("customer"),
            "opp_id": ("Associated Deal IDs", "Associated Deal ID", "Associated Deals"),
            "rejection_reason_raw": (
                "Disqualification reason",
                "hs_lead_disqualification_reason",
            ),
        },
    ),
    Preset(
        "hubspot_leads",
        "HubSpot leads (Leads object: disqualification reasons, onto the contacts)",
        "hubspot",
        "leads",
        requires=(("Disqualification reason", "hs_lead_disqualification_reason", "Lead name"),),
        signature=(
            ("Lead name", "hs_lead_name"),
            ("Lead stage", "hs_pipeline_stage"),
            ("Lead type", "hs_lead_type"),
            ("Lead label", "hs_lead_label"),
            ("Lead owner",),
            ("Disqualification reason", "hs_lead_disqualification_reason"),
            ("Associated Contact IDs", "Associated Contact ID", "Associated Contact"),
        ),
        aliases={
            # a Lead record belongs to a contact: its reason lands on that contact's row
            "external_id": (
                "Associated Contact IDs",
                "Associated Contact ID",
                "Associated Contact",
            ),
            "rejection_reason_raw": (
                "Disqualification reason",
                "hs_lead_disqualification_reason",
            ),
            "rejected_at": (
                'Date entered "Disqualified (Lead pipeline)"',
                "Date entered Disqualified (Lead pipeline)",
                "hs_v2_date_entered_disqualified",
                "Disqualified date",
            ),
        },
        own_aliases_only=("external_id", "status_raw", "created_at", "name", "owner"),
    ),
    Preset(
        "hubspot_deals",
        "HubSpot deals",
        "hubspot",
        "opportunities",
        requires=(("Deal Name", "dealname", "Deal Stage", "dealstage"),),
        signature=(
            ("Record ID", "Deal ID", "hs_object_id"),
            ("Deal Name", "dealname"),
            ("Deal Stage", "dealstage"),
            ("Pipeline", "pipeline"),
            ("Close Date", "closedate"),
            ("Create Date", "createdate"),
            ("Deal owner", "hubspot_owner_id"),
            ("Deal Type", "dealtype"),
            ("Closed Lost Reason", "closed_lost_reason"),
            ("Is Closed Won", "hs_is_closed_won"),
            ("Associated Contact IDs", "Associated Contact ID", "Associated Contacts"),
        ),
        aliases={
            "external_id": ("Record ID", "Deal ID", "hs_object_id"),
            "name": ("Deal Name", "dealname"),
            "stage_raw": ("Deal Stage", "dealstage"),
            "created_at": ("Create Date", "createdate"),
            "closed_at": ("Close Date", "closedate"),
            "owner": ("Deal owner", "hubspot_owner_id"),
            "type": ("Deal Type", "dealtype"),
            "lost_reason_raw": ("Closed Lost Reason", "closed_lost_reason"),
            "is_won": ("Is Closed Won", "hs_is_closed_won"),
            "is_closed": ("Is Closed", "hs_is_closed"),
            "channel_raw": ("Original Traffic Source", "Original Source", "hs_analytics_source"),
            "lead_id": ("Associated Contact IDs", "Associated Contact ID", "Associated Contacts"),
            "account": ("Associated Company", "Company Name"),
        },
    ),
    Preset(
        "salesforce_leads",
        "Salesforce leads",
        "salesforce",
        "leads",
        requires=(("Lead ID", "Id", "Lead Owner", "Lead Source", "LeadSource"),),
        signature=(
            ("Lead ID",),
            ("Lead Owner", "OwnerId"),
            ("Company / Account", "Company"),
            ("Lead Source", "LeadSource"),
            ("Lead Status", "Status"),
            ("Converted", "IsConverted"),
            ("Converted Date", "ConvertedDate"),
            ("Converted Opportunity ID", "ConvertedOpportunityId"),
            ("Create Date", "Created Date", "CreatedDate"),
            ("Rating",),
            ("Unqualified Reason", "Unqualified_Reason__c", "Disqualification_Reason__c"),
            ("MQL Date", "MQL_Date__c"),
        ),
        aliases={
            "external_id": ("Lead ID", "Id"),
            "created_at": ("Create Date", "Created Date", "CreatedDate"),
            "owner": ("Lead Owner", "OwnerId", "Owner"),
            "company": ("Company / Account", "Company"),
            "status_raw": ("Lead Status", "Status"),
            "is_converted": ("Converted", "IsConverted"),
            "opp_at": ("Converted Date", "ConvertedDate"),
            "opp_id": ("Converted Opportunity ID", "ConvertedOpportunityId"),
        },
        own_aliases_only=("is_won",),  # Salesforce's `Converted` is an opportunity, not a win
    ),
    Preset(
        "salesforce_opportunities",
        "Salesforce opportunities",
        "salesforce",
        "opportunities",
        requires=(("Opportunity ID", "Opportunity Name", "StageName", "Stage"),),
        signature=(
            ("Opportunity ID",),
            ("Opportunity Name",),
            ("Opportunity Owner", "OwnerId"),
            ("Stage", "StageName"),
            ("Close Date", "CloseDate"),
            ("Created Date", "CreatedDate"),
            ("Won", "IsWon"),
            ("Closed", "IsClosed"),
            ("Lead Source", "LeadSource"),
            ("Account Name", "AccountId"),
            ("Probability (%)", "Probability"),
            ("Fiscal Period", "FiscalQuarter", "Fiscal Quarter"),
        ),
        aliases={
            "external_id": ("Opportunity ID", "Id"),
            "name": ("Opportunity Name", "Name"),
            "owner": ("Opportunity Owner", "OwnerId"),
            "account": ("Account Name", "AccountId"),
            "stage_raw": ("Stage", "StageName"),
            "lost_reason_raw": ("Loss Reason", "Loss_Reason__c", "Closed Lost Reason"),
        },
    ),
    Preset(
        "salesforce_tasks",
        "Salesforce tasks / activities",
        "salesforce",
        "activities",
        requires=(("Activity ID", "Subject", "Task Subtype", "TaskSubtype", "WhoId"),),
        signature=(
            ("Activity ID",),
            ("Assigned", "OwnerId"),
            ("Date", "ActivityDate"),
            ("Subject",),
            ("Task Subtype", "TaskSubtype", "Activity Type"),
            ("Call Result", "CallDisposition"),
            ("Created Date", "CreatedDate"),
            ("WhoId", "Name", "Contact / Lead"),
            ("WhatId", "Related To"),
            ("Call Type", "CallType"),
            ("Status",),
        ),
        aliases={
            "external_id": ("Activity ID", "Id"),
            # Created Date, not Date / ActivityDate: the latter has no time of day
            "occurred_at": ("Created Date", "CreatedDate", "Date", "ActivityDate"),
            "owner": ("Assigned", "Assigned To", "OwnerId"),
            "activity_type": ("Task Subtype", "TaskSubtype", "Activity Type", "Type"),
            "direction": ("Call Type", "CallType"),
            "outcome": ("Call Result", "CallDisposition"),
            "lead_id": ("WhoId", "Lead ID", "Contact / Lead ID"),
            "opp_id": ("WhatId", "Opportunity ID"),
        },
        value_maps={"activity_type": ACTIVITY_TYPE_MAP, "direction": DIRECTION_MAP},
    ),
    Preset(
        "salesforce_lead_history",
        "Salesforce lead history",
        "salesforce",
        "lead_history",
        requires=(
            ("Field / Event", "Field"),
            ("New Value", "NewValue"),
            ("Lead ID", "LeadId"),
        ),
        signature=(
            ("Old Value", "OldValue"),
            ("Edit Date", "CreatedDate"),
            ("Edited By", "CreatedById"),
        ),
        aliases={
            "external_id": ("Lead ID", "LeadId"),
            "edited_at": ("Edit Date", "CreatedDate", "Created Date"),
        },
        own_aliases_only=("external_id",),
    ),
    Preset(
        "salesforce_opportunity_history",
        "Salesforce opportunity history",
        "salesforce",
        "opportunity_history",
        requires=(
            ("Field / Event", "Field"),
            ("New Value", "NewValue"),
            ("Opportunity ID", "OpportunityId"),
        ),
        signature=(
            ("Old Value", "OldValue"),
            ("Edit Date", "CreatedDate"),
            ("Edited By", "CreatedById"),
        ),
        aliases={
            "external_id": ("Opportunity ID", "OpportunityId"),
            "edited_at": ("Edit Date", "CreatedDate", "Created Date"),
        },
        own_aliases_only=("external_id",),
    ),
    Preset(
        "marketo_leads",
        "Marketo leads",
        "marketo",
        "leads",
        requires=(("createdAt", "Created At", "leadScore", "originalSourceType"),),
        signature=(
            ("Marketo ID", "id"),
            ("Email Address", "email"),
            ("Lead Source", "leadSource"),
            ("Lead Status", "leadStatus"),
            ("Created At", "createdAt"),
            ("Updated At", "updatedAt"),
            ("Lead Score", "leadScore"),
            ("Original Source Type", "originalSourceType"),
            ("Original Source Info", "originalSourceInfo"),
            ("Acquisition Program", "acquisitionProgramId", "acquisitionProgram"),
            ("Person Status", "personStatus"),
            ("First Name", "firstName"),
            ("Last Name", "lastName"),
        ),
        aliases={
            "external_id": ("Marketo ID", "id", "Id"),
            "email": ("Email Address", "email"),
            "channel_raw": (
                "Lead Source",
                "leadSource",
                "Original Source Type",
                "originalSourceType",
            ),
            "status_raw": ("Lead Status", "leadStatus", "Person Status"),
            "created_at": ("Created At", "createdAt"),
            "score": ("Lead Score", "leadScore"),
            "campaign": ("Acquisition Program", "acquisitionProgram", "acquisitionProgramId"),
        },
    ),
    Preset(
        "bizible_touchpoints_crm",
        "Marketo Measure (Bizible) touchpoints (CRM fields)",
        "bizible",
        "touchpoints",
        requires=(("bizible2__Touchpoint_Date__c",),),
        signature=(
            ("bizible2__Marketing_Channel__c", "bizible2__Marketing_Channel_Path__c"),
            ("bizible2__Touchpoint_Position__c",),
            ("bizible2__Ad_Campaign_Name__c",),
            ("bizible2__Medium__c",),
            ("bizible2__Touchpoint_Source__c",),
            ("bizible2__Contact__c", "bizible2__Lead__c"),
            ("bizible2__Opportunity__c",),
        ),
        aliases={
            "external_id": ("Id", "Name", "Touchpoint ID"),
            "touched_at": ("bizible2__Touchpoint_Date__c",),
            "channel": ("bizible2__Marketing_Channel__c", "bizible2__Marketing_Channel_Path__c"),
            "campaign": ("bizible2__Ad_Campaign_Name__c", "bizible2__Campaign__c"),
            "medium": ("bizible2__Medium__c",),
            "content_asset": ("bizible2__Ad_Content__c", "bizible2__Landing_Page__c"),
            "is_first_touch": ("bizible2__Touchpoint_Position__c",),
            "lead_id": ("bizible2__Lead__c", "bizible2__Contact__c"),
            "opp_id": ("bizible2__Opportunity__c",),
            "email": ("bizible2__Email__c", "Email"),
        },
        token_flags={
            "is_first_touch": "FT",
            "is_lead_creation_touch": "LC",
            "is_opp_creation_touch": "OC",
        },
        copy_fields={
            "is_lead_creation_touch": "is_first_touch",
            "is_opp_creation_touch": "is_first_touch",
        },
        reference_system="salesforce",
    ),
    Preset(
        "bizible_touchpoints_warehouse",
        "Marketo Measure (Bizible) touchpoints (data warehouse)",
        "bizible",
        "touchpoints",
        requires=(("TOUCHPOINT_DATE",),),
        signature=(
            ("CHANNEL", "MARKETING_CHANNEL"),
            ("CAMPAIGN_NAME", "AD_CAMPAIGN_NAME"),
            ("IS_FIRST_TOUCH",),
            ("IS_LEAD_CREATION_TOUCH",),
            ("IS_OPP_CREATION_TOUCH",),
            ("OPPORTUNITY_ID",),
            ("LEAD_ID", "CONTACT_ID"),
            ("MARKETING_TOUCH_TYPE", "TOUCHPOINT_TYPE"),
            ("MEDIUM",),
        ),
        aliases={
            "external_id": ("ID", "TOUCHPOINT_ID"),
            "touched_at": ("TOUCHPOINT_DATE",),
            "channel": ("CHANNEL", "MARKETING_CHANNEL"),
            "campaign": ("CAMPAIGN_NAME", "AD_CAMPAIGN_NAME"),
            "content_asset": ("AD_CONTENT", "LANDING_PAGE"),
            "lead_id": ("LEAD_ID", "CONTACT_ID"),
            "opp_id": ("OPPORTUNITY_ID",),
            "email": ("EMAIL",),
        },
        reference_system="salesforce",
    ),
    Preset(
        "outreach_calls",
        "Outreach calls",
        "outreach",
        "activities",
        requires=(("dialedAt", "Dialed At", "answeredAt", "callDisposition"),),
        signature=(
            ("createdAt",),
            ("dialedAt", "Dialed At"),
            ("answeredAt",),
            ("completedAt",),
            ("direction",),
            ("outcome",),
            ("prospect", "prospectId"),
            ("user", "userId"),
            ("callDisposition",),
            ("callPurpose",),
        ),
        aliases={
            "external_id": ("id", "Call ID"),
            "occurred_at": ("dialedAt", "Dialed At", "createdAt", "completedAt"),
            "lead_id": ("prospect", "prospectId", "Prospect ID"),
            "owner": ("user", "userId", "User"),
            "outcome": ("outcome", "callDisposition"),
            "email": ("prospectEmail", "Prospect Email", "Email"),
        },
        constants={"activity_type": "call"},
        value_maps={"direction": DIRECTION_MAP},
    ),
    Preset(
        "outreach_mailings",
        "Outreach mailings",
        "outreach",
        "activities",
        requires=(("deliveredAt", "mailingType"),),
        signature=(
            ("deliveredAt",),
            ("mailingType",),
            ("prospect", "prospectId"),
            ("user", "userId"),
            ("openedAt",),
            ("repliedAt",),
            ("bouncedAt",),
            ("subject",),
            ("state",),
        ),
        aliases={
            "external_id": ("id", "Mailing ID"),
            "occurred_at": ("deliveredAt", "createdAt"),
            "lead_id": ("prospect", "prospectId"),
            "owner": ("user", "userId", "mailbox"),
            "outcome": ("state",),
            "email": ("prospectEmail", "Prospect Email", "Email"),
        },
        constants={"activity_type": "email", "direction": "outbound"},
        own_aliases_only=("activity_type",),
    ),
    Preset(
        "salesloft_calls",
        "Salesloft calls",
        "salesloft",
        "activities",
        requires=(("called_person", "disposition"),),
        signature=(
            ("created_at",),
            ("called_person",),
            ("disposition",),
            ("sentiment",),
            ("duration",),
            ("user", "user_guid"),
            ("to",),
            ("cadence",),
        ),
        aliases={
            "external_id": ("id",),
            "occurred_at": ("created_at",),
            "lead_id": ("called_person", "called_person_id"),
            "owner": ("user", "user_name", "user_guid"),
            "outcome": ("disposition",),
            "email": ("email", "called_person_email"),
        },
        constants={"activity_type": "call", "direction": "outbound"},
    ),
    Preset(
        "spend_template",
        "Marketing spend (Alignment template)",
        "manual",
        "spend",
        requires=(("month",), ("amount", "spend")),
        signature=(("channel",), ("campaign",), ("currency",)),
    ),
    Preset(
        "targets_template",
        "Targets (Alignment template)",
        "manual",
        "targets",
        requires=(("month",), ("metric",), ("value", "target")),
    ),
    Preset(
        "owners_lookup",
        "Owners / sales teams (lookup)",
        "lookup",
        "owners",
        requires=(("sales_agent", "Sales Rep", "Owner", "Rep", "Rep Name", "User", "User Name"),),
        signature=(
            ("manager", "Sales Manager"),
            ("regional_office", "Region", "Regional Office", "Office", "Territory"),
            ("Team", "Sales Team", "Team Name"),
        ),
        # a sales-teams list without a team column: each manager's reps form a team
        copy_fields={"team": "manager"},
    ),
    Preset(
        "accounts_lookup",
        "Accounts / firmographics (lookup: CRM accounts export)",
        "lookup",
        "accounts",
        requires=(("account", "Account Name", "Account"),),
        signature=(
            ("sector", "Industry"),
            ("employees", "NumberOfEmployees", "Employees"),
            ("revenue", "Annual Revenue", "AnnualRevenue"),
            ("office_location", "Billing Country", "BillingCountry"),
            ("Website", "Domain"),
            ("year_established", "Year Established"),
            ("subsidiary_of", "Parent Account", "ParentId"),
            ("Account ID",),
        ),
    ),
    Preset(
        "zoominfo_companies",
        "ZoomInfo company export (accounts lookup)",
        "lookup",
        "accounts",
        requires=(("ZoomInfo Company ID", "Company Name", "Website"),),
        signature=(
            ("ZoomInfo Company ID",),
            ("Company Name",),
            ("Website",),
            ("Revenue (in 000s USD)", "Revenue Range (in USD)"),
            ("Employees", "Employee Range"),
            ("Primary Industry",),
            ("Company Country",),
            ("Founded Year",),
            ("LinkedIn Company Profile URL",),
        ),
        aliases={
            "account": ("Company Name",),
            "industry": ("Primary Industry",),
            "revenue": ("Revenue (in 000s USD)",),
            "country": ("Company Country", "Country"),
        },
    ),
)
"""Known exports (DESIGN section 4), detected from the header row (`ingest.mapping`)."""

PRESETS_BY_NAME: dict[str, Preset] = {p.name: p for p in PRESETS}

GENERIC_PRESETS: tuple[Preset, ...] = tuple(
    Preset(f"generic_{object_type}", f"Generic {object_type}", GENERIC_SOURCE, object_type)
    for object_type in GENERIC_ALIASES
)
"""One preset per object type for files no known preset matches (aliases only)."""

ALL_PRESETS: dict[str, Preset] = {p.name: p for p in (*PRESETS, *GENERIC_PRESETS)}


def preset(name: str | None) -> Preset | None:
    """The preset of this name (known or generic), None for None or an unknown name."""
    return ALL_PRESETS.get(name) if name else None


TEMPLATES: dict[str, str] = {
    "spend": (
        "month,channel,campaign,amount,currency\n"
        "2026-01,Paid Search,Brand keywords,12500.00,USD\n"
        "2026-01,LinkedIn Ads,,8300.00,USD\n"
    ),
    "targets": "month,metric,value\n2026-01,mqls,400\n2026-01,won_revenue,250000\n",
}
"""Templates the Import page offers as CSV downloads (one example row per line)."""
