"""Known exports of Zoho CRM, Pipedrive, Microsoft Dynamics 365, Freshsales (Freshworks CRM),
Close and Copper: leads / contacts, deals / opportunities and calls / activities, recognised
from their header row (labels as the UI export writes them, and API names where exports use
them) so they import with no hand mapping.

Where a product's stage column does not say whether a deal was won (Pipedrive, Dynamics,
Copper and Close keep the last pipeline stage on a won deal and record the outcome in a status
column), the preset reads the status column (`Open` / `Won` / `Lost`) as the raw stage, so the
stage map counts won and lost deals right.
"""

from __future__ import annotations

from alignment.ingest.preset_model import ACTIVITY_TYPE_MAP, DIRECTION_MAP, Preset

# ---- Zoho CRM --------------------------------------------------------------------------------
# Field labels: https://www.zoho.com/crm/help/api/modules-fields.html (Leads, Contacts, Deals,
# Calls); API names (`Lead_Source`, `Created_Time`, `Closing_Date`, `Call_Start_Time`):
# https://www.zoho.com/crm/developer/docs/api/v8/field-meta.html . Exports start with
# `Record Id` and carry `Created Time` / `Modified Time` on every module.
_ZOHO_CREATED = ("Created Time", "Created_Time")
_ZOHO_MODIFIED = ("Modified Time", "Modified_Time")
_ZOHO_ID = ("Record Id", "id")

ZOHO: tuple[Preset, ...] = (
    Preset(
        "zoho_leads",
        "Zoho CRM leads",
        "zoho",
        "leads",
        requires=((*_ZOHO_CREATED, *_ZOHO_MODIFIED), ("Lead Owner", "Lead Status", "Lead_Status")),
        signature=(
            _ZOHO_ID,
            ("Lead Owner", "Owner"),
            ("Company",),
            ("First Name", "First_Name"),
            ("Last Name", "Last_Name"),
            ("Email",),
            ("Lead Source", "Lead_Source"),
            ("Lead Status", "Lead_Status"),
            _ZOHO_CREATED,
            _ZOHO_MODIFIED,
            ("No. of Employees", "No_of_Employees"),
            ("Annual Revenue", "Annual_Revenue"),
            ("Rating",),
            ("Industry",),
        ),
        aliases={
            "external_id": ("Record Id", "Lead Id", "id"),
            "owner": ("Lead Owner", "Owner"),
            "created_at": _ZOHO_CREATED,
            "channel_raw": ("Lead Source", "Lead_Source"),
            "status_raw": ("Lead Status", "Lead_Status"),
            "employees": ("No. of Employees", "No_of_Employees"),
            "name": ("Full Name", "Full_Name"),
        },
    ),
    Preset(
        "zoho_contacts",
        "Zoho CRM contacts",
        "zoho",
        "leads",
        requires=((*_ZOHO_CREATED, *_ZOHO_MODIFIED), ("Contact Owner",)),
        signature=(
            _ZOHO_ID,
            ("Contact Owner", "Owner"),
            ("Lead Source", "Lead_Source"),
            ("First Name", "First_Name"),
            ("Last Name", "Last_Name"),
            ("Account Name", "Account_Name"),
            ("Email",),
            ("Title",),
            ("Mailing Country", "Mailing_Country"),
            _ZOHO_CREATED,
            _ZOHO_MODIFIED,
        ),
        aliases={
            "external_id": ("Record Id", "Contact Id", "id"),
            "owner": ("Contact Owner", "Owner"),
            "created_at": _ZOHO_CREATED,
            "channel_raw": ("Lead Source", "Lead_Source"),
            "company": ("Account Name", "Account_Name"),
            "country": ("Mailing Country", "Mailing_Country"),
            "name": ("Full Name", "Full_Name"),
        },
    ),
    Preset(
        "zoho_deals",
        "Zoho CRM deals",
        "zoho",
        "opportunities",
        requires=(("Closing Date", "Closing_Date"), ("Deal Owner", "Deal Name", "Deal_Name")),
        signature=(
            _ZOHO_ID,
            ("Deal Owner", "Owner"),
            ("Deal Name", "Deal_Name"),
            ("Account Name", "Account_Name"),
            ("Contact Name", "Contact_Name"),
            ("Lead Source", "Lead_Source"),
            ("Campaign Source", "Campaign_Source"),
            ("Amount",),
            ("Stage",),
            ("Probability (%)", "Probability"),
            ("Expected Revenue", "Expected_Revenue"),
            ("Reason For Loss", "Reason_For_Loss__s"),
            _ZOHO_CREATED,
            _ZOHO_MODIFIED,
        ),
        aliases={
            "external_id": ("Record Id", "Deal Id", "Potential Id", "id"),
            "name": ("Deal Name", "Deal_Name", "Potential Name"),
            "owner": ("Deal Owner", "Owner"),
            "account": ("Account Name", "Account_Name"),
            # the expected close date while the deal is open (as Salesforce's Close Date)
            "closed_at": ("Closing Date", "Closing_Date"),
            "created_at": _ZOHO_CREATED,
            "stage_raw": ("Stage",),
            "channel_raw": ("Lead Source", "Lead_Source"),
            "lost_reason_raw": ("Reason For Loss", "Reason_For_Loss__s", "Reason For Loss__s"),
        },
    ),
    Preset(
        "zoho_calls",
        "Zoho CRM calls",
        "zoho",
        "activities",
        requires=(("Call Start Time", "Call_Start_Time"),),
        signature=(
            _ZOHO_ID,
            ("Call Owner", "Owner"),
            ("Subject",),
            ("Call Type", "Call_Type"),
            ("Call Purpose", "Call_Purpose"),
            ("Call Duration", "Call_Duration"),
            ("Call Result", "Call_Result"),
            ("Related To", "What_Id"),
            ("Contact Name", "Who_Id"),
            _ZOHO_CREATED,
        ),
        aliases={
            "external_id": ("Record Id", "Call Id", "id"),
            "occurred_at": ("Call Start Time", "Call_Start_Time"),
            "owner": ("Call Owner", "Owner"),
            # Inbound / Outbound / Missed
            "direction": ("Call Type", "Call_Type"),
            "outcome": ("Call Result", "Call_Result"),
            "lead_id": ("Who Id", "Who_Id"),
        },
        constants={"activity_type": "call"},
        own_aliases_only=("activity_type",),
        value_maps={"direction": DIRECTION_MAP},
    ),
)

# ---- Pipedrive -------------------------------------------------------------------------------
# Headers are `Entity - Field`: Pipedrive's list of default fields ("READ ME All default
# Pipedrive fields" in its sample import spreadsheet),
# https://support.pipedrive.com/en/article/importing-sample-import-spreadsheets and
# https://support.pipedrive.com/en/article/import-fields ; list-view exports write the dates as
# `Deal - Deal created`, `Deal - Deal closed on`, `Lead - Lead created` (newer: `... created on`,
# `... Creation date`) and the id as `Deal - ID` (or `Deal - Pipedrive System ID`).
_PD_DEAL_CREATED = (
    "Deal - Deal created",
    "Deal - Deal created on",
    "Deal - Creation date",
    "Deal - Add time",
)
_PD_DEAL_CLOSED = ("Deal - Deal closed on", "Deal - Closed on", "Deal - Close time")
_PD_PERSON_EMAIL = (
    "Person - Email",
    "Person - Email - Work",
    "Person - Email (Work)",
    "Person - Email - Home",
    "Person - Email - Other",
)

PIPEDRIVE: tuple[Preset, ...] = (
    Preset(
        "pipedrive_deals",
        "Pipedrive deals",
        "pipedrive",
        "opportunities",
        requires=(("Deal - Title", "Deal - ID", "Deal - Value", "Deal - Stage", "Deal - Status"),),
        signature=(
            ("Deal - ID", "Deal - Pipedrive System ID"),
            ("Deal - Title",),
            ("Deal - Value",),
            ("Deal - Currency", "Deal - Currency of Value"),
            ("Deal - Owner",),
            ("Deal - Stage", "Deal - Stage (pipeline)"),
            ("Deal - Status",),
            ("Deal - Pipeline",),
            _PD_DEAL_CREATED,
            _PD_DEAL_CLOSED,
            ("Deal - Won time",),
            ("Deal - Lost time",),
            ("Deal - Lost reason",),
            ("Deal - Expected close date",),
            ("Deal - Organization", "Organization"),
            ("Deal - Contact person", "Contact person"),
            ("Deal - Probability",),
        ),
        aliases={
            "external_id": ("Deal - ID", "Deal - Pipedrive System ID"),
            "name": ("Deal - Title",),
            "amount": ("Deal - Value",),
            "currency": ("Deal - Currency", "Deal - Currency of Value"),
            "owner": ("Deal - Owner",),
            # Open / Won / Lost: a won deal keeps its last pipeline stage
            "stage_raw": ("Deal - Status", "Deal - Stage", "Deal - Stage (pipeline)"),
            "created_at": _PD_DEAL_CREATED,
            "closed_at": (*_PD_DEAL_CLOSED, "Deal - Won time"),
            "lost_reason_raw": ("Deal - Lost reason",),
            "channel_raw": ("Deal - Source channel", "Deal - Source origin", "Deal - Source"),
            "account": ("Deal - Organization", "Organization - Name", "Organization"),
            "lead_id": ("Person - ID", "Deal - Contact person ID"),
        },
        own_aliases_only=("stage_raw",),
    ),
    Preset(
        "pipedrive_persons",
        "Pipedrive people (contacts)",
        "pipedrive",
        "leads",
        requires=(
            (
                "Person - ID",
                "Person - Pipedrive System ID",
                "Person - Name",
                "Person - Owner",
                *_PD_PERSON_EMAIL,
            ),
        ),
        signature=(
            ("Person - ID", "Person - Pipedrive System ID"),
            ("Person - Name",),
            ("Person - First name",),
            ("Person - Last name",),
            _PD_PERSON_EMAIL,
            ("Person - Phone", "Person - Phone - Work", "Person - Phone - Mobile"),
            ("Person - Owner",),
            ("Person - Person created", "Person - Creation date", "Person - Add time"),
            ("Person - Organization", "Organization"),
            ("Person - Label", "Person - Labels"),
            ("Person - Update time",),
        ),
        aliases={
            "external_id": ("Person - ID", "Person - Pipedrive System ID"),
            "name": ("Person - Name",),
            "email": _PD_PERSON_EMAIL,
            "owner": ("Person - Owner",),
            "created_at": (
                "Person - Person created",
                "Person - Creation date",
                "Person - Add time",
            ),
            "company": ("Person - Organization", "Organization - Name", "Organization"),
            "status_raw": ("Person - Label", "Person - Labels"),
            "channel_raw": ("Person - Source channel", "Person - Source origin"),
        },
    ),
    Preset(
        "pipedrive_leads",
        "Pipedrive leads (Leads Inbox)",
        "pipedrive",
        "leads",
        requires=(("Lead - Title", "Lead - ID", "Lead - Pipedrive System ID", "Lead - Owner"),),
        signature=(
            ("Lead - ID", "Lead - Pipedrive System ID"),
            ("Lead - Title",),
            ("Lead - Owner",),
            ("Lead - Source", "Lead - Source channel", "Lead - Source origin"),
            ("Lead - Lead created", "Lead - Lead created on", "Lead - Creation date"),
            ("Lead - Labels", "Lead - Label"),
            ("Lead - Value",),
            ("Lead - Organization", "Organization"),
            ("Lead - Contact person", "Contact person"),
            _PD_PERSON_EMAIL,
        ),
        aliases={
            "external_id": ("Lead - ID", "Lead - Pipedrive System ID"),
            "name": ("Lead - Title",),
            "owner": ("Lead - Owner",),
            "created_at": (
                "Lead - Lead created",
                "Lead - Lead created on",
                "Lead - Creation date",
                "Lead - Add time",
            ),
            "channel_raw": ("Lead - Source channel", "Lead - Source origin", "Lead - Source"),
            "status_raw": ("Lead - Labels", "Lead - Label"),
            "email": _PD_PERSON_EMAIL,
            "company": ("Lead - Organization", "Organization - Name", "Organization"),
        },
    ),
    Preset(
        "pipedrive_activities",
        "Pipedrive activities",
        "pipedrive",
        "activities",
        requires=(
            (
                "Activity - ID",
                "Activity - Pipedrive System ID",
                "Activity - Subject",
                "Activity - Type",
                "Activity - Due date",
            ),
        ),
        signature=(
            ("Activity - ID", "Activity - Pipedrive System ID"),
            ("Activity - Subject",),
            ("Activity - Type",),
            ("Activity - Due date",),
            ("Activity - Due time",),
            ("Activity - Done",),
            ("Activity - Marked as done time",),
            ("Activity - Assigned to user", "Activity - Owner"),
            ("Activity - Add time", "Activity - Creation date"),
            ("Activity - Duration",),
            ("Activity - Note",),
            ("Deal - ID", "Activity - Deal", "Deal"),
            ("Person - ID", "Activity - Contact person", "Contact person"),
        ),
        aliases={
            "external_id": ("Activity - ID", "Activity - Pipedrive System ID"),
            # when the touch happened: the due date has no time of day, and an activity not
            # yet done is no touch (its row is rejected as having no time)
            "occurred_at": (
                "Activity - Marked as done time",
                "Activity - Due date",
                "Activity - Add time",
            ),
            "owner": ("Activity - Assigned to user", "Activity - Owner"),
            "activity_type": ("Activity - Type",),
            "lead_id": ("Person - ID", "Activity - Person ID"),
            "opp_id": ("Deal - ID", "Activity - Deal ID"),
            "email": _PD_PERSON_EMAIL,
        },
        own_aliases_only=("occurred_at",),
        value_maps={"activity_type": ACTIVITY_TYPE_MAP},
    ),
)

# ---- Microsoft Dynamics 365 ------------------------------------------------------------------
# Display names and logical names of the Lead, Contact, Opportunity, PhoneCall and
# ActivityPointer tables:
# https://learn.microsoft.com/en-us/dynamics365/sales/developer/entities/opportunity
# https://learn.microsoft.com/en-us/dynamics365/sales/developer/entities/lead
# https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/phonecall
# Export to Excel adds the hidden `(Do Not Modify) <Table>`, `(Do Not Modify) Row Checksum` and
# `(Do Not Modify) Modified On` columns:
# https://learn.microsoft.com/en-us/power-apps/user/export-excel-dynamic-worksheet
_D365_CHECKSUM = ("(Do Not Modify) Row Checksum",)
_D365_MODIFIED = ("(Do Not Modify) Modified On", "modifiedon")
_D365_CREATED = ("Created On", "createdon")
_D365_OWNER = ("Owner", "ownerid")

DYNAMICS: tuple[Preset, ...] = (
    Preset(
        "dynamics_leads",
        "Dynamics 365 leads",
        "dynamics",
        "leads",
        requires=(("(Do Not Modify) Lead", "leadid"),),
        signature=(
            _D365_CHECKSUM,
            _D365_MODIFIED,
            ("Topic", "Subject", "subject"),
            ("Name", "Full Name", "fullname"),
            ("Email", "emailaddress1"),
            ("Company Name", "companyname"),
            ("Lead Source", "leadsourcecode"),
            ("Status Reason", "statuscode"),
            _D365_CREATED,
            _D365_OWNER,
            ("Rating", "leadqualitycode"),
            ("Business Phone", "telephone1"),
        ),
        aliases={
            "external_id": ("(Do Not Modify) Lead", "leadid"),
            "created_at": _D365_CREATED,
            "channel_raw": ("Lead Source", "leadsourcecode"),
            "status_raw": ("Status Reason", "statuscode", "Status", "statecode"),
            "owner": _D365_OWNER,
            "email": ("Email", "emailaddress1"),
            "company": ("Company Name", "companyname"),
            "name": ("Name", "Full Name", "fullname"),
        },
        own_aliases_only=("external_id",),
    ),
    Preset(
        "dynamics_contacts",
        "Dynamics 365 contacts",
        "dynamics",
        "leads",
        requires=(("(Do Not Modify) Contact", "contactid"),),
        signature=(
            _D365_CHECKSUM,
            _D365_MODIFIED,
            ("Full Name", "fullname"),
            ("Email", "emailaddress1"),
            ("Company Name", "Account Name", "parentcustomerid"),
            ("Job Title", "jobtitle"),
            ("Business Phone", "telephone1"),
            _D365_CREATED,
            _D365_OWNER,
        ),
        aliases={
            "external_id": ("(Do Not Modify) Contact", "contactid"),
            "created_at": _D365_CREATED,
            "owner": _D365_OWNER,
            "email": ("Email", "emailaddress1"),
            "company": ("Company Name", "Account Name", "parentcustomerid"),
            "name": ("Full Name", "fullname"),
            "channel_raw": ("Lead Source", "leadsourcecode"),
        },
        own_aliases_only=("external_id",),
    ),
    Preset(
        "dynamics_opportunities",
        "Dynamics 365 opportunities",
        "dynamics",
        "opportunities",
        requires=(("(Do Not Modify) Opportunity", "opportunityid"),),
        signature=(
            _D365_CHECKSUM,
            _D365_MODIFIED,
            ("Topic", "name"),
            ("Potential Customer", "customerid"),
            ("Est. Close Date", "estimatedclosedate"),
            ("Est. Revenue", "estimatedvalue"),
            ("Actual Close Date", "actualclosedate"),
            ("Actual Revenue", "actualvalue"),
            ("Status", "statecode"),
            ("Status Reason", "statuscode"),
            ("Sales Stage", "salesstage", "salesstagecode"),
            ("Pipeline Phase", "stepname"),
            ("Probability", "closeprobability"),
            ("Rating", "opportunityratingcode"),
            _D365_CREATED,
            _D365_OWNER,
        ),
        aliases={
            "external_id": ("(Do Not Modify) Opportunity", "opportunityid"),
            "name": ("Topic", "name"),
            "account": ("Potential Customer", "Account", "customerid", "parentaccountid"),
            # Open / Won / Lost; Status Reason says why (Canceled, Out-Sold) when lost
            "stage_raw": ("Status", "statecode"),
            "lost_reason_raw": ("Status Reason", "statuscode"),
            # Actual Revenue defaults to the estimate when a deal is won; the estimate is
            # filled for every deal
            "amount": ("Est. Revenue", "estimatedvalue", "Actual Revenue", "actualvalue"),
            "closed_at": (
                "Actual Close Date",
                "actualclosedate",
                "Est. Close Date",
                "estimatedclosedate",
            ),
            "created_at": _D365_CREATED,
            "owner": _D365_OWNER,
            "currency": ("Currency", "transactioncurrencyid"),
        },
        own_aliases_only=("external_id", "stage_raw", "name"),
    ),
    Preset(
        "dynamics_phone_calls",
        "Dynamics 365 phone calls",
        "dynamics",
        "activities",
        requires=(("(Do Not Modify) Phone Call", "phonecallid"),),
        signature=(
            _D365_CHECKSUM,
            _D365_MODIFIED,
            ("Subject", "subject"),
            ("Call From", "from"),
            ("Call To", "to"),
            ("Direction", "directioncode"),
            ("Phone Number", "phonenumber"),
            ("Regarding", "regardingobjectid"),
            ("Actual End", "actualend"),
            ("Due", "Due Date", "scheduledend"),
            ("Activity Status", "statecode"),
            ("Duration", "actualdurationminutes"),
            _D365_CREATED,
            _D365_OWNER,
        ),
        aliases={
            "external_id": ("(Do Not Modify) Phone Call", "phonecallid", "activityid"),
            # set when the call is completed; a call still to make is no touch
            "occurred_at": ("Actual End", "actualend", "Due", "scheduledend"),
            "owner": _D365_OWNER,
            # Incoming / Outgoing
            "direction": ("Direction", "directioncode"),
            "outcome": ("Status Reason", "statuscode"),
        },
        constants={"activity_type": "call"},
        own_aliases_only=("external_id", "occurred_at", "activity_type"),
        value_maps={"direction": DIRECTION_MAP},
    ),
    Preset(
        "dynamics_activities",
        "Dynamics 365 activities",
        "dynamics",
        "activities",
        requires=(
            ("(Do Not Modify) Activity", "activityid"),
            ("Activity Type", "activitytypecode"),
        ),
        signature=(
            _D365_CHECKSUM,
            _D365_MODIFIED,
            ("Subject", "subject"),
            ("Regarding", "regardingobjectid"),
            ("Actual End", "actualend"),
            ("Due Date", "scheduledend"),
            ("Start Date", "scheduledstart"),
            ("Activity Status", "statecode"),
            ("Priority", "prioritycode"),
            _D365_CREATED,
            _D365_OWNER,
        ),
        aliases={
            "external_id": ("(Do Not Modify) Activity", "activityid"),
            "occurred_at": ("Actual End", "actualend", "Due Date", "scheduledend"),
            "owner": _D365_OWNER,
            # Phone Call / Email / Appointment / Task
            "activity_type": ("Activity Type", "activitytypecode"),
            "outcome": ("Status Reason", "statuscode"),
        },
        own_aliases_only=("external_id", "occurred_at"),
        value_maps={"activity_type": ACTIVITY_TYPE_MAP},
    ),
)

# ---- Freshsales (Freshworks CRM) -------------------------------------------------------------
# Field labels of contacts and deals (`Sales owner`, `Lifecycle stage`, `Deal value`, `Deal
# stage`, `Expected close date`, `Closed date`, `Lost reason`):
# https://crmsupport.freshworks.com/en/support/solutions/articles/50000002586-how-to-import-records-contacts-accounts-deals-from-a-csv-xlsx-file-
# https://support.freshsales.io/support/solutions/articles/222658-how-to-import-deals-from-csv-xlsx-file-
# API names (`owner_id`, `deal_stage_id`, `expected_close`, `closed_date`, `deal_reason_id`,
# `sales_activity_type_id`): https://developers.freshworks.com/crm/api/
_FS_CREATED = ("Created at", "created_at")
_FS_OWNER = ("Sales owner", "owner_id")

FRESHSALES: tuple[Preset, ...] = (
    Preset(
        "freshsales_contacts",
        "Freshsales contacts",
        "freshsales",
        "leads",
        requires=(
            _FS_OWNER,
            (
                "Lifecycle stage",
                "Contact status",
                "lifecycle_stage_id",
                "contact_status_id",
                "Emails",
                "Lead score",
            ),
        ),
        signature=(
            ("First name", "first_name"),
            ("Last name", "last_name"),
            ("Emails", "Email", "emails", "email"),
            ("Job title", "job_title"),
            ("Lifecycle stage", "lifecycle_stage_id"),
            ("Status", "Contact status", "contact_status_id"),
            ("Source", "lead_source_id"),
            ("Campaign", "campaign_id"),
            ("Medium", "medium"),
            ("Keyword", "keyword"),
            _FS_CREATED,
            ("Updated at", "updated_at"),
            ("Lead score", "Score", "lead_score"),
            ("Territory", "territory_id"),
            ("Work number", "work_number"),
        ),
        aliases={
            "external_id": ("Id", "id", "Contact ID"),
            "email": ("Emails", "Email", "emails", "email"),
            "created_at": _FS_CREATED,
            "owner": _FS_OWNER,
            "channel_raw": ("Source", "lead_source_id"),
            "status_raw": (
                "Status",
                "Contact status",
                "contact_status_id",
                "Lifecycle stage",
                "lifecycle_stage_id",
            ),
            "score": ("Lead score", "Score", "lead_score"),
            "campaign": ("Campaign", "campaign_id"),
            "company": ("Account name", "Sales accounts", "Company name"),
        },
    ),
    Preset(
        "freshsales_deals",
        "Freshsales deals",
        "freshsales",
        "opportunities",
        requires=(
            ("Deal value", "Deal stage", "Deal pipeline", "deal_stage_id", "deal_pipeline_id"),
            (*_FS_OWNER, *_FS_CREATED),
        ),
        signature=(
            ("Name", "Deal name", "name"),
            ("Deal value", "Amount", "amount"),
            ("Deal stage", "deal_stage_id"),
            ("Deal pipeline", "deal_pipeline_id"),
            ("Expected close date", "expected_close"),
            ("Closed date", "closed_date"),
            _FS_OWNER,
            ("Source", "lead_source_id"),
            ("Campaign", "campaign_id"),
            ("Lost reason", "deal_reason_id"),
            ("Probability (%)", "Probability", "probability"),
            _FS_CREATED,
            ("Account name", "Sales account", "sales_account_id"),
            ("Deal type", "deal_type_id"),
            ("Age (Days)", "Age", "age"),
            ("Payment status", "deal_payment_status_id"),
        ),
        aliases={
            "external_id": ("Id", "id", "Deal ID"),
            "name": ("Name", "Deal name", "name"),
            "amount": ("Deal value", "Amount", "amount"),
            "stage_raw": ("Deal stage", "deal_stage_id"),
            "closed_at": ("Closed date", "closed_date"),
            "created_at": _FS_CREATED,
            "owner": _FS_OWNER,
            "channel_raw": ("Source", "lead_source_id"),
            "lost_reason_raw": ("Lost reason", "deal_reason_id"),
            "account": ("Account name", "Sales account", "sales_account_id"),
            "type": ("Deal type", "deal_type_id"),
            "currency": ("Currency", "currency_id"),
        },
    ),
    Preset(
        "freshsales_sales_activities",
        "Freshsales sales activities",
        "freshsales",
        "activities",
        requires=(
            (
                "Sales activity type",
                "sales_activity_type_id",
                "Sales activity outcome",
                "sales_activity_outcome_id",
            ),
        ),
        signature=(
            ("Title", "title"),
            ("Sales activity type", "sales_activity_type_id"),
            ("Outcome", "Sales activity outcome", "sales_activity_outcome_id"),
            ("Start date", "start_date"),
            ("End date", "end_date"),
            ("Owner", "Sales owner", "owner_id"),
            ("Related to", "targetable_id"),
            _FS_CREATED,
            ("Notes", "notes"),
        ),
        aliases={
            "external_id": ("Id", "id"),
            "occurred_at": ("Start date", "start_date", *_FS_CREATED),
            "activity_type": ("Sales activity type", "sales_activity_type_id"),
            "outcome": ("Outcome", "Sales activity outcome", "sales_activity_outcome_id"),
            "owner": ("Owner", "Sales owner", "owner_id"),
        },
        own_aliases_only=("occurred_at",),
        value_maps={"activity_type": ACTIVITY_TYPE_MAP},
    ),
)

# ---- Close -----------------------------------------------------------------------------------
# CSV exports use the API's field names. Leads (one row per lead): `id`, `display_name`,
# `status_label`, `date_created`, `primary_contact_primary_email`, custom fields as
# `custom.<Name>`: https://developer.close.com/api/resources/exports/create-lead ;
# opportunities (`status_type` active / won / lost, `value` in cents with `value_formatted`,
# `date_won`, `user_name`): https://developer.close.com/api/resources/opportunities ; calls
# (`direction`, `disposition`, `date_created`, `remote_phone`, `local_phone`):
# https://github.com/closeio/close-api-scripts/blob/master/scripts/export_calls.py
CLOSE: tuple[Preset, ...] = (
    Preset(
        "close_leads",
        "Close leads",
        "close",
        "leads",
        requires=(("status_label", "display_name", "primary_contact_primary_email", "html_url"),),
        signature=(
            ("id",),
            ("display_name", "lead_name"),
            ("status_label",),
            ("status_id",),
            ("date_created",),
            ("date_updated",),
            ("url", "html_url"),
            ("description",),
            ("primary_contact_name",),
            ("primary_contact_primary_email",),
            ("primary_contact_primary_phone",),
            ("created_by_name",),
            ("custom.Lead Source", "custom.Source"),
            ("custom.Lead Owner", "custom.Lead Owner.name"),
            ("last_activity_date",),
        ),
        aliases={
            "external_id": ("id", "lead_id"),
            "company": ("display_name", "lead_name"),
            "name": ("primary_contact_name",),
            "email": ("primary_contact_primary_email", "primary_email"),
            "created_at": ("date_created",),
            "status_raw": ("status_label",),
            "channel_raw": ("custom.Lead Source", "custom.Source"),
            "owner": ("custom.Lead Owner", "custom.Lead Owner.name", "custom.Owner"),
        },
        own_aliases_only=("external_id", "name"),
    ),
    Preset(
        "close_opportunities",
        "Close opportunities",
        "close",
        "opportunities",
        requires=(("status_type", "value_period", "value_formatted", "date_won"),),
        signature=(
            ("id",),
            ("lead_id",),
            ("lead_name",),
            ("status_id",),
            ("status_label",),
            ("status_type",),
            ("value",),
            ("value_period",),
            ("value_formatted",),
            ("value_currency",),
            ("confidence",),
            ("date_created",),
            ("date_updated",),
            ("date_won",),
            ("user_id",),
            ("user_name",),
            ("contact_name",),
            ("note",),
            ("pipeline_name", "pipeline_id"),
        ),
        aliases={
            "external_id": ("id", "opportunity_id"),
            "lead_id": ("lead_id",),
            "name": ("lead_name",),
            # active / won / lost, whatever the organisation named its statuses
            "stage_raw": ("status_type", "status_label"),
            # `value` is in cents: only the formatted value reads as an amount
            "amount": ("value_formatted",),
            "currency": ("value_currency",),
            "created_at": ("date_created",),
            "closed_at": ("date_won",),
            "owner": ("user_name", "user_id"),
        },
        own_aliases_only=("external_id", "name", "stage_raw", "amount"),
        copy_fields={"account": "name"},
    ),
    Preset(
        "close_calls",
        "Close calls",
        "close",
        "activities",
        requires=(("remote_phone", "local_phone", "voicemail_url", "recording_url"),),
        signature=(
            ("id",),
            ("lead_id",),
            ("contact_id",),
            ("user_id",),
            ("user_name", "updated_by_name"),
            ("direction",),
            ("disposition",),
            ("status",),
            ("duration",),
            ("date_created",),
            ("remote_phone",),
            ("local_phone",),
            ("voicemail_url",),
            ("recording_url",),
            ("lead_name",),
            ("contact_name",),
        ),
        aliases={
            "external_id": ("id", "activity_id"),
            "lead_id": ("lead_id",),
            "occurred_at": ("date_created", "activity_at"),
            "owner": ("user_name", "user_id"),
            "direction": ("direction",),
            "outcome": ("disposition", "status"),
        },
        constants={"activity_type": "call"},
        own_aliases_only=("external_id", "activity_type"),
        value_maps={"direction": DIRECTION_MAP},
    ),
)

# ---- Copper ----------------------------------------------------------------------------------
# Default fields of leads, people, opportunities and activities (labels; opportunity Status is
# Open / Won / Lost / Abandoned):
# https://support.copper.com/en/articles/8823254-default-fields-for-all-records ; API names
# (`assignee_id`, `close_date`, `monetary_value`, `loss_reason_id`, `customer_source_id`):
# https://developer.copper.com/opportunities/overview.html
_COPPER_OWNER = ("Owner", "Owned By", "assignee_id")
_COPPER_CREATED = ("Date Created", "Created At", "Created", "date_created")
_COPPER_ID = ("ID", "Copper ID", "id")

COPPER: tuple[Preset, ...] = (
    Preset(
        "copper_leads",
        "Copper leads",
        "copper",
        "leads",
        requires=(("Lead Name",), ("Source", "customer_source_id")),
        signature=(
            ("Company", "company_name"),
            _COPPER_OWNER,
            ("Title", "title"),
            ("Value", "monetary_value"),
            ("Email", "Work Email", "email"),
            ("Phone", "Work Phone"),
            ("LinkedIn",),
            ("Work Website",),
            ("Status", "status"),
            ("Visibility",),
            ("Tags", "tags"),
            _COPPER_CREATED,
        ),
        aliases={
            "external_id": (*_COPPER_ID, "Lead ID"),
            "name": ("Lead Name", "Name", "name"),
            "company": ("Company", "company_name"),
            "owner": _COPPER_OWNER,
            "email": ("Email", "Work Email", "email"),
            "status_raw": ("Status", "status"),
            "channel_raw": ("Source", "customer_source_id"),
            "created_at": _COPPER_CREATED,
        },
    ),
    Preset(
        "copper_people",
        "Copper people (contacts)",
        "copper",
        "leads",
        requires=(("Contact Type", "contact_type_id"),),
        signature=(
            ("Person Name", "Full Name", "Name", "name"),
            ("Company", "company_name"),
            ("Title", "title"),
            _COPPER_OWNER,
            ("Work Email", "Email", "emails"),
            ("Work Phone", "Phone"),
            ("Tags", "tags"),
            _COPPER_CREATED,
        ),
        aliases={
            "external_id": (*_COPPER_ID, "Person ID"),
            "name": ("Person Name", "Full Name", "Name", "name"),
            "company": ("Company", "company_name"),
            "owner": _COPPER_OWNER,
            "email": ("Work Email", "Email", "Personal Email", "emails"),
            "status_raw": ("Contact Type", "contact_type_id"),
            "channel_raw": ("Source", "customer_source_id"),
            "created_at": _COPPER_CREATED,
        },
    ),
    Preset(
        "copper_opportunities",
        "Copper opportunities",
        "copper",
        "opportunities",
        requires=(
            (
                "Win Probability",
                "Loss Reason",
                "Primary Contact",
                "win_probability",
                "loss_reason_id",
                "pipeline_stage_id",
            ),
        ),
        signature=(
            ("Opportunity Name", "Name", "name"),
            ("Company", "company_name"),
            ("Primary Contact", "primary_contact_id"),
            ("Pipeline", "pipeline_id"),
            ("Stage", "Pipeline Stage", "pipeline_stage_id"),
            ("Status", "status"),
            ("Value", "monetary_value"),
            ("Close Date", "Expected Close Date", "close_date"),
            _COPPER_OWNER,
            ("Source", "customer_source_id"),
            ("Loss Reason", "loss_reason_id"),
            ("Priority", "priority"),
            ("Win Probability", "win_probability"),
            _COPPER_CREATED,
        ),
        aliases={
            "external_id": (*_COPPER_ID, "Opportunity ID"),
            "name": ("Opportunity Name", "Name", "name"),
            "account": ("Company", "company_name"),
            # Open / Won / Lost / Abandoned: the pipeline stage does not say a deal was won
            "stage_raw": ("Status", "status"),
            "amount": ("Value", "monetary_value"),
            "closed_at": ("Close Date", "Expected Close Date", "close_date"),
            "created_at": _COPPER_CREATED,
            "owner": _COPPER_OWNER,
            "channel_raw": ("Source", "customer_source_id"),
            "lost_reason_raw": ("Loss Reason", "loss_reason_id"),
        },
        own_aliases_only=("stage_raw",),
    ),
    Preset(
        "copper_activities",
        "Copper activities",
        "copper",
        "activities",
        requires=(("Activity Date", "activity_date"), ("Details", "details", "Activity Type")),
        signature=(
            ("Activity Type", "Type", "activity_type"),
            ("Details", "details"),
            ("User", "Owner", "user_id"),
            ("Related To", "Parent", "parent"),
            ("Person",),
            ("Company",),
            _COPPER_CREATED,
        ),
        aliases={
            "external_id": (*_COPPER_ID, "Activity ID"),
            "occurred_at": ("Activity Date", "activity_date"),
            "activity_type": ("Activity Type", "Type", "activity_type"),
            "owner": ("User", "Owner", "user_id"),
        },
        own_aliases_only=("occurred_at",),
        value_maps={"activity_type": ACTIVITY_TYPE_MAP},
    ),
)

CRM_PRESETS: tuple[Preset, ...] = (*ZOHO, *PIPEDRIVE, *DYNAMICS, *FRESHSALES, *CLOSE, *COPPER)
"""The presets of the CRMs above, in the order the registry lists them."""
