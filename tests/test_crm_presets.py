"""Exports of Zoho CRM, Pipedrive, Dynamics 365, Freshsales, Close and Copper import with no hand
mapping: for each product and record type, a small export written here (its header as the
product writes it, two or three rows) is detected as the right record type and source system,
its key columns are mapped, and the import stores each value in the right field and month.

Expected values are read off the rows by hand (dates are taken in UTC, reference ids become
`source:id` keys, amounts as written)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from alignment import model
from alignment.db import store
from alignment.ingest import import_file, propose_mapping, sniff
from alignment.ingest.crm_presets import CRM_PRESETS
from alignment.ingest.presets import PRESETS_BY_NAME


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass(frozen=True)
class Export:
    """One product's export: its text, what it must be detected as, and what must be stored."""

    preset: str
    text: str
    mapping: dict[str, str]  # key fields -> the columns they must be read from
    query: str
    expected: list[tuple[Any, ...]]
    outcomes: dict[str, str] = field(default_factory=dict)  # opp_id -> open / won / lost


EXPORTS: list[Export] = [
    # ---- Zoho CRM ----------------------------------------------------------------------------
    Export(
        "zoho_leads",
        "Record Id,Lead Owner,Company,First Name,Last Name,Email,Lead Source,Lead Status,"
        "Created Time,Modified Time,No. of Employees,Rating\n"
        "zcrm_4876000000123001,Ana Ruiz,Acme,Jo,Lee,jo@acme.com,Web Download,Contacted,"
        "2021-04-15 10:30:00,2021-04-20 09:00:00,120,Hot\n"
        "zcrm_4876000000123002,Ben Ode,Globex,Kim,Park,kim@globex.com,Trade Show,Not Contacted,"
        "2021-05-03 08:15:00,2021-05-03 08:15:00,45,Cold\n",
        {
            "external_id": "Record Id",
            "email": "Email",
            "created_at": "Created Time",
            "channel_raw": "Lead Source",
            "owner": "Lead Owner",
            "status_raw": "Lead Status",
        },
        "SELECT lead_id, email, created_at, channel_raw, owner, status_raw, employees "
        "FROM leads ORDER BY 1",
        [
            (
                "zoho:zcrm_4876000000123001",
                "jo@acme.com",
                utc(2021, 4, 15, 10, 30),
                "Web Download",
                "Ana Ruiz",
                "Contacted",
                120,
            ),
            (
                "zoho:zcrm_4876000000123002",
                "kim@globex.com",
                utc(2021, 5, 3, 8, 15),
                "Trade Show",
                "Ben Ode",
                "Not Contacted",
                45,
            ),
        ],
    ),
    Export(
        "zoho_contacts",
        "Record Id,Contact Owner,Lead Source,First Name,Last Name,Account Name,Email,Title,"
        "Created Time,Modified Time\n"
        "4876000000200001,Ana Ruiz,Webinar,Max,Mill,Initech,max@initech.com,CTO,"
        "2021-06-01 14:00:00,2021-06-02 10:00:00\n"
        "4876000000200002,Ben Ode,Advertisement,Eve,Stone,Umbrella,eve@umbrella.com,CFO,"
        "2021-07-19 08:00:00,2021-07-19 08:00:00\n",
        {
            "external_id": "Record Id",
            "email": "Email",
            "created_at": "Created Time",
            "channel_raw": "Lead Source",
            "owner": "Contact Owner",
        },
        "SELECT lead_id, email, created_at, channel_raw, owner, company FROM leads ORDER BY 1",
        [
            (
                "zoho:4876000000200001",
                "max@initech.com",
                utc(2021, 6, 1, 14),
                "Webinar",
                "Ana Ruiz",
                "Initech",
            ),
            (
                "zoho:4876000000200002",
                "eve@umbrella.com",
                utc(2021, 7, 19, 8),
                "Advertisement",
                "Ben Ode",
                "Umbrella",
            ),
        ],
    ),
    Export(
        "zoho_deals",
        "Record Id,Deal Owner,Deal Name,Account Name,Type,Lead Source,Amount,Closing Date,Stage,"
        "Probability (%),Expected Revenue,Created Time,Modified Time,Reason For Loss\n"
        "4876000000300001,Ana Ruiz,Acme renewal,Acme,Existing Business,Web Download,12000,"
        "2021-06-30,Closed Won,100,12000,2021-04-20 09:00:00,2021-06-30 17:00:00,\n"
        "4876000000300002,Ben Ode,Globex pilot,Globex,New Business,Trade Show,5000,2021-07-15,"
        "Closed Lost,0,0,2021-05-10 11:00:00,2021-07-15 12:00:00,Price\n"
        "4876000000300003,Ben Ode,Initech expansion,Initech,New Business,Webinar,8000,2021-09-30,"
        "Negotiation/Review,75,6000,2021-06-05 09:30:00,2021-06-05 09:30:00,\n",
        {
            "external_id": "Record Id",
            "created_at": "Created Time",
            "closed_at": "Closing Date",
            "stage_raw": "Stage",
            "amount": "Amount",
            "channel_raw": "Lead Source",
            "owner": "Deal Owner",
        },
        "SELECT opp_id, stage_raw, amount, created_at, closed_at, owner, lost_reason_raw "
        "FROM opportunities ORDER BY 1",
        [
            (
                "zoho:4876000000300001",
                "Closed Won",
                12000.0,
                utc(2021, 4, 20, 9),
                utc(2021, 6, 30),
                "Ana Ruiz",
                None,
            ),
            (
                "zoho:4876000000300002",
                "Closed Lost",
                5000.0,
                utc(2021, 5, 10, 11),
                utc(2021, 7, 15),
                "Ben Ode",
                "Price",
            ),
            (
                "zoho:4876000000300003",
                "Negotiation/Review",
                8000.0,
                utc(2021, 6, 5, 9, 30),
                utc(2021, 9, 30),
                "Ben Ode",
                None,
            ),
        ],
        outcomes={
            "zoho:4876000000300001": "won",
            "zoho:4876000000300002": "lost",
            "zoho:4876000000300003": "open",
        },
    ),
    Export(
        "zoho_calls",
        "Record Id,Call Owner,Subject,Call Type,Call Purpose,Call Start Time,Call Duration,"
        "Call Result,Related To,Contact Name,Created Time\n"
        "4876000000400001,Ana Ruiz,Intro call,Outbound,Prospecting,2021-04-16 09:05:00,05:30,"
        "Interested,Acme,Jo Lee,2021-04-16 09:12:00\n"
        "4876000000400002,Ben Ode,Callback,Inbound,Negotiation,2021-05-04 15:20:00,02:10,"
        "Requested more info,Globex,Kim Park,2021-05-04 15:25:00\n",
        {"external_id": "Record Id", "occurred_at": "Call Start Time", "owner": "Call Owner"},
        "SELECT activity_id, occurred_at, owner, activity_type, direction, outcome "
        "FROM activities ORDER BY 1",
        [
            (
                "zoho:4876000000400001",
                utc(2021, 4, 16, 9, 5),
                "Ana Ruiz",
                "call",
                "outbound",
                "Interested",
            ),
            (
                "zoho:4876000000400002",
                utc(2021, 5, 4, 15, 20),
                "Ben Ode",
                "call",
                "inbound",
                "Requested more info",
            ),
        ],
    ),
    # ---- Pipedrive ---------------------------------------------------------------------------
    Export(
        "pipedrive_deals",
        "Deal - ID,Deal - Title,Deal - Value,Deal - Currency,Deal - Owner,Deal - Stage,"
        "Deal - Status,Deal - Pipeline,Deal - Deal created,Deal - Deal closed on,"
        "Deal - Won time,Deal - Lost time,Deal - Lost reason,Deal - Expected close date,"
        "Deal - Organization,Deal - Contact person,Person - ID\n"
        "101,Acme deal,12000,USD,Ana Ruiz,Negotiations Started,Won,Sales,2021-04-15 10:30:00,"
        "2021-06-30 17:00:00,2021-06-30 17:00:00,,,2021-06-30,Acme,Jo Lee,501\n"
        "102,Globex deal,5000,USD,Ben Ode,Proposal Made,Lost,Sales,2021-05-03 08:15:00,"
        "2021-07-15 12:00:00,,2021-07-15 12:00:00,Too expensive,2021-07-31,Globex,Kim Park,502\n"
        "103,Initech deal,8000,EUR,Ben Ode,Contact Made,Open,Sales,2021-06-05 09:30:00,,,,,"
        "2021-09-30,Initech,Max Mill,503\n",
        {
            "external_id": "Deal - ID",
            "created_at": "Deal - Deal created",
            "closed_at": "Deal - Deal closed on",
            "stage_raw": "Deal - Status",
            "amount": "Deal - Value",
            "owner": "Deal - Owner",
            "lost_reason_raw": "Deal - Lost reason",
        },
        "SELECT opp_id, name, amount, currency, created_at, closed_at, owner, account, lead_id "
        "FROM opportunities ORDER BY 1",
        [
            (
                "pipedrive:101",
                "Acme deal",
                12000.0,
                "USD",
                utc(2021, 4, 15, 10, 30),
                utc(2021, 6, 30, 17),
                "Ana Ruiz",
                "Acme",
                "pipedrive:501",
            ),
            (
                "pipedrive:102",
                "Globex deal",
                5000.0,
                "USD",
                utc(2021, 5, 3, 8, 15),
                utc(2021, 7, 15, 12),
                "Ben Ode",
                "Globex",
                "pipedrive:502",
            ),
            (
                "pipedrive:103",
                "Initech deal",
                8000.0,
                "EUR",
                utc(2021, 6, 5, 9, 30),
                None,
                "Ben Ode",
                "Initech",
                "pipedrive:503",
            ),
        ],
        # the won deal still sits in "Negotiations Started": its status says it was won
        outcomes={"pipedrive:101": "won", "pipedrive:102": "lost", "pipedrive:103": "open"},
    ),
    Export(
        "pipedrive_persons",
        "Person - ID,Person - Name,Person - Email - Work,Person - Phone - Work,Person - Owner,"
        "Person - Person created,Person - Organization,Person - Label\n"
        "501,Jo Lee,jo@acme.com,555-0101,Ana Ruiz,2021-04-15 10:30:00,Acme,Hot lead\n"
        "502,Kim Park,kim@globex.com,555-0102,Ben Ode,2021-05-03 08:15:00,Globex,Cold lead\n",
        {
            "external_id": "Person - ID",
            "email": "Person - Email - Work",
            "created_at": "Person - Person created",
            "owner": "Person - Owner",
        },
        "SELECT lead_id, name, email, created_at, owner, company FROM leads ORDER BY 1",
        [
            (
                "pipedrive:501",
                "Jo Lee",
                "jo@acme.com",
                utc(2021, 4, 15, 10, 30),
                "Ana Ruiz",
                "Acme",
            ),
            (
                "pipedrive:502",
                "Kim Park",
                "kim@globex.com",
                utc(2021, 5, 3, 8, 15),
                "Ben Ode",
                "Globex",
            ),
        ],
    ),
    Export(
        "pipedrive_leads",
        "Lead - ID,Lead - Title,Lead - Owner,Lead - Source,Lead - Lead created,Lead - Labels,"
        "Lead - Value,Organization,Contact person,Person - Email\n"
        "c0a8b0e0-9d5f-11eb-a8b3-0242ac130003,Acme lead,Ana Ruiz,Web forms,2021-04-15 10:30:00,"
        "Hot,1000,Acme,Jo Lee,jo@acme.com\n"
        "d1b9c1f1-9d5f-11eb-a8b3-0242ac130003,Globex lead,Ben Ode,Prospector,2021-05-13 16:45:00,"
        "Warm,500,Globex,Kim Park,kim@globex.com\n",
        {
            "external_id": "Lead - ID",
            "email": "Person - Email",
            "created_at": "Lead - Lead created",
            "channel_raw": "Lead - Source",
            "owner": "Lead - Owner",
        },
        "SELECT lead_id, email, created_at, channel_raw, owner FROM leads ORDER BY 1",
        [
            (
                "pipedrive:c0a8b0e0-9d5f-11eb-a8b3-0242ac130003",
                "jo@acme.com",
                utc(2021, 4, 15, 10, 30),
                "Web forms",
                "Ana Ruiz",
            ),
            (
                "pipedrive:d1b9c1f1-9d5f-11eb-a8b3-0242ac130003",
                "kim@globex.com",
                utc(2021, 5, 13, 16, 45),
                "Prospector",
                "Ben Ode",
            ),
        ],
    ),
    Export(
        "pipedrive_activities",
        "Activity - ID,Activity - Subject,Activity - Type,Activity - Due date,"
        "Activity - Due time,Activity - Done,Activity - Marked as done time,"
        "Activity - Assigned to user,Activity - Add time,Deal - ID,Person - ID\n"
        "9001,Intro call,call,2021-04-16,09:00,Done,2021-04-16 09:05:00,Ana Ruiz,"
        "2021-04-15 11:00:00,101,501\n"
        "9002,Demo,meeting,2021-05-14,15:00,Done,2021-05-14 15:45:00,Ben Ode,"
        "2021-05-03 09:00:00,102,502\n",
        {
            "external_id": "Activity - ID",
            "occurred_at": "Activity - Marked as done time",
            "owner": "Activity - Assigned to user",
        },
        "SELECT activity_id, occurred_at, owner, activity_type, opp_id, lead_id "
        "FROM activities ORDER BY 1",
        [
            (
                "pipedrive:9001",
                utc(2021, 4, 16, 9, 5),
                "Ana Ruiz",
                "call",
                "pipedrive:101",
                "pipedrive:501",
            ),
            (
                "pipedrive:9002",
                utc(2021, 5, 14, 15, 45),
                "Ben Ode",
                "meeting",
                "pipedrive:102",
                "pipedrive:502",
            ),
        ],
    ),
    # ---- Microsoft Dynamics 365 (US locale dates, as Export to Excel writes them) ---------------
    Export(
        "dynamics_leads",
        "(Do Not Modify) Lead,(Do Not Modify) Row Checksum,(Do Not Modify) Modified On,Name,"
        "Topic,Email,Company Name,Lead Source,Status Reason,Created On,Owner,Rating\n"
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301,abc==,4/20/2021 9:00 AM,Jo Lee,Widgets,"
        "jo@acme.com,Acme,Web,New,4/15/2021 10:30 AM,Ana Ruiz,Hot\n"
        "3f2504e0-4f89-11d3-9a0c-0305e82c3302,def==,5/3/2021 8:15 AM,Kim Park,Gadgets,"
        "kim@globex.com,Globex,Trade Show,Contacted,5/3/2021 8:15 PM,Ben Ode,Cold\n",
        {
            "external_id": "(Do Not Modify) Lead",
            "email": "Email",
            "created_at": "Created On",
            "channel_raw": "Lead Source",
            "owner": "Owner",
            "status_raw": "Status Reason",
        },
        "SELECT lead_id, email, created_at, channel_raw, owner, status_raw FROM leads ORDER BY 1",
        [
            (
                "dynamics:3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                "jo@acme.com",
                utc(2021, 4, 15, 10, 30),
                "Web",
                "Ana Ruiz",
                "New",
            ),
            (
                "dynamics:3f2504e0-4f89-11d3-9a0c-0305e82c3302",
                "kim@globex.com",
                utc(2021, 5, 3, 20, 15),
                "Trade Show",
                "Ben Ode",
                "Contacted",
            ),
        ],
    ),
    Export(
        "dynamics_contacts",
        "(Do Not Modify) Contact,(Do Not Modify) Row Checksum,(Do Not Modify) Modified On,"
        "Full Name,Email,Company Name,Job Title,Business Phone,Created On,Owner\n"
        "9a7e1c2d-0000-4000-8000-000000000001,ghi==,6/2/2021 10:00 AM,Max Mill,"
        "max@initech.com,Initech,CTO,555-0103,6/1/2021 2:00 PM,Ana Ruiz\n"
        "9a7e1c2d-0000-4000-8000-000000000002,jkl==,7/19/2021 8:00 AM,Eve Stone,"
        "eve@umbrella.com,Umbrella,CFO,555-0104,7/19/2021 8:00 AM,Ben Ode\n",
        {
            "external_id": "(Do Not Modify) Contact",
            "email": "Email",
            "created_at": "Created On",
            "owner": "Owner",
        },
        "SELECT lead_id, email, created_at, owner, company FROM leads ORDER BY 1",
        [
            (
                "dynamics:9a7e1c2d-0000-4000-8000-000000000001",
                "max@initech.com",
                utc(2021, 6, 1, 14),
                "Ana Ruiz",
                "Initech",
            ),
            (
                "dynamics:9a7e1c2d-0000-4000-8000-000000000002",
                "eve@umbrella.com",
                utc(2021, 7, 19, 8),
                "Ben Ode",
                "Umbrella",
            ),
        ],
    ),
    Export(
        "dynamics_opportunities",
        "(Do Not Modify) Opportunity,(Do Not Modify) Row Checksum,(Do Not Modify) Modified On,"
        "Topic,Potential Customer,Est. Close Date,Est. Revenue,Actual Close Date,"
        "Actual Revenue,Status,Status Reason,Sales Stage,Probability,Created On,Owner\n"
        "b1e2c3d4-0000-4000-8000-000000000001,mno==,6/30/2021 5:00 PM,Acme renewal,Acme,"
        "6/30/2021,12000.00,6/28/2021,12000.00,Won,Won,Close,100,4/20/2021 9:00 AM,Ana Ruiz\n"
        "b1e2c3d4-0000-4000-8000-000000000002,pqr==,7/15/2021 12:00 PM,Globex pilot,Globex,"
        "7/31/2021,5000.00,7/15/2021,,Lost,Out-Sold,Propose,0,5/10/2021 11:00 AM,Ben Ode\n"
        "b1e2c3d4-0000-4000-8000-000000000003,stu==,6/5/2021 9:30 AM,Initech expansion,"
        "Initech,9/30/2021,8000.00,,,Open,In Progress,Develop,75,6/5/2021 9:30 AM,Ben Ode\n",
        {
            "external_id": "(Do Not Modify) Opportunity",
            "created_at": "Created On",
            "closed_at": "Actual Close Date",
            "stage_raw": "Status",
            "amount": "Est. Revenue",
            "owner": "Owner",
        },
        "SELECT opp_id, name, amount, created_at, closed_at, owner, lost_reason_raw "
        "FROM opportunities ORDER BY 1",
        [
            (
                "dynamics:b1e2c3d4-0000-4000-8000-000000000001",
                "Acme renewal",
                12000.0,
                utc(2021, 4, 20, 9),
                utc(2021, 6, 28),
                "Ana Ruiz",
                "Won",
            ),
            (
                "dynamics:b1e2c3d4-0000-4000-8000-000000000002",
                "Globex pilot",
                5000.0,
                utc(2021, 5, 10, 11),
                utc(2021, 7, 15),
                "Ben Ode",
                "Out-Sold",
            ),
            (
                "dynamics:b1e2c3d4-0000-4000-8000-000000000003",
                "Initech expansion",
                8000.0,
                utc(2021, 6, 5, 9, 30),
                None,
                "Ben Ode",
                "In Progress",
            ),
        ],
        outcomes={
            "dynamics:b1e2c3d4-0000-4000-8000-000000000001": "won",
            "dynamics:b1e2c3d4-0000-4000-8000-000000000002": "lost",
            "dynamics:b1e2c3d4-0000-4000-8000-000000000003": "open",
        },
    ),
    Export(
        "dynamics_phone_calls",
        "(Do Not Modify) Phone Call,(Do Not Modify) Row Checksum,(Do Not Modify) Modified On,"
        "Subject,Call From,Call To,Direction,Phone Number,Regarding,Actual End,Due,"
        "Activity Status,Duration,Created On,Owner\n"
        "c5d6e7f8-0000-4000-8000-000000000001,vwx==,4/16/2021 9:06 AM,Intro call,Ana Ruiz,"
        "Jo Lee,Outgoing,555-0101,Widgets,4/16/2021 9:05 AM,4/16/2021 9:00 AM,Completed,"
        "5 minutes,4/16/2021 9:06 AM,Ana Ruiz\n"
        "c5d6e7f8-0000-4000-8000-000000000002,yza==,5/14/2021 3:25 PM,Callback,Kim Park,"
        "Ben Ode,Incoming,555-0102,Gadgets,5/14/2021 3:20 PM,5/14/2021 3:00 PM,Completed,"
        "10 minutes,5/14/2021 3:25 PM,Ben Ode\n",
        {
            "external_id": "(Do Not Modify) Phone Call",
            "occurred_at": "Actual End",
            "owner": "Owner",
        },
        "SELECT activity_id, occurred_at, owner, activity_type, direction FROM activities "
        "ORDER BY 1",
        [
            (
                "dynamics:c5d6e7f8-0000-4000-8000-000000000001",
                utc(2021, 4, 16, 9, 5),
                "Ana Ruiz",
                "call",
                "outbound",
            ),
            (
                "dynamics:c5d6e7f8-0000-4000-8000-000000000002",
                utc(2021, 5, 14, 15, 20),
                "Ben Ode",
                "call",
                "inbound",
            ),
        ],
    ),
    Export(
        "dynamics_activities",
        "(Do Not Modify) Activity,(Do Not Modify) Row Checksum,(Do Not Modify) Modified On,"
        "Activity Type,Subject,Regarding,Priority,Start Date,Due Date,Actual End,"
        "Activity Status,Owner\n"
        "d7e8f9a0-0000-4000-8000-000000000001,bcd==,4/16/2021 9:06 AM,Phone Call,Intro call,"
        "Widgets,Normal,4/16/2021 9:00 AM,4/16/2021 9:30 AM,4/16/2021 9:05 AM,Completed,"
        "Ana Ruiz\n"
        "d7e8f9a0-0000-4000-8000-000000000002,efg==,5/14/2021 3:50 PM,Appointment,Demo,"
        "Gadgets,High,5/14/2021 3:00 PM,5/14/2021 4:00 PM,5/14/2021 3:45 PM,Completed,Ben Ode\n",
        {
            "external_id": "(Do Not Modify) Activity",
            "occurred_at": "Actual End",
            "owner": "Owner",
        },
        "SELECT activity_id, occurred_at, owner, activity_type FROM activities ORDER BY 1",
        [
            (
                "dynamics:d7e8f9a0-0000-4000-8000-000000000001",
                utc(2021, 4, 16, 9, 5),
                "Ana Ruiz",
                "call",
            ),
            (
                "dynamics:d7e8f9a0-0000-4000-8000-000000000002",
                utc(2021, 5, 14, 15, 45),
                "Ben Ode",
                "meeting",
            ),
        ],
    ),
    # ---- Freshsales --------------------------------------------------------------------------
    Export(
        "freshsales_contacts",
        "Id,First name,Last name,Emails,Job title,Sales owner,Lifecycle stage,Status,Source,"
        "Campaign,Created at,Updated at,Lead score\n"
        "7001,Jo,Lee,jo@acme.com,CTO,Ana Ruiz,Lead,New,Web,Spring launch,2021-04-15 10:30:00,"
        "2021-04-20 09:00:00,55\n"
        "7002,Kim,Park,kim@globex.com,CFO,Ben Ode,Sales Qualified Lead,Contacted,Trade Show,,"
        "2021-05-13 08:15:00,2021-05-14 08:15:00,80\n",
        {
            "external_id": "Id",
            "email": "Emails",
            "created_at": "Created at",
            "channel_raw": "Source",
            "owner": "Sales owner",
            "status_raw": "Status",
        },
        "SELECT lead_id, email, created_at, channel_raw, owner, status_raw, score "
        "FROM leads ORDER BY 1",
        [
            (
                "freshsales:7001",
                "jo@acme.com",
                utc(2021, 4, 15, 10, 30),
                "Web",
                "Ana Ruiz",
                "New",
                55.0,
            ),
            (
                "freshsales:7002",
                "kim@globex.com",
                utc(2021, 5, 13, 8, 15),
                "Trade Show",
                "Ben Ode",
                "Contacted",
                80.0,
            ),
        ],
    ),
    Export(
        "freshsales_deals",
        "Id,Name,Deal value,Deal stage,Deal pipeline,Expected close date,Closed date,"
        "Sales owner,Source,Lost reason,Probability (%),Created at,Account name,Deal type\n"
        "8001,Acme deal,12000,Won,Default Pipeline,2021-06-30,2021-06-28,Ana Ruiz,Web,,100,"
        "2021-04-20 09:00:00,Acme,New\n"
        "8002,Globex deal,5000,Lost,Default Pipeline,2021-07-31,2021-07-15,Ben Ode,Trade Show,"
        "Budget,0,2021-05-10 11:00:00,Globex,New\n"
        "8003,Initech deal,8000,Negotiation,Default Pipeline,2021-09-30,,Ben Ode,Web,,60,"
        "2021-06-05 09:30:00,Initech,Existing\n",
        {
            "external_id": "Id",
            "created_at": "Created at",
            "closed_at": "Closed date",
            "stage_raw": "Deal stage",
            "amount": "Deal value",
            "channel_raw": "Source",
            "owner": "Sales owner",
        },
        "SELECT opp_id, amount, created_at, closed_at, owner, lost_reason_raw, account "
        "FROM opportunities ORDER BY 1",
        [
            (
                "freshsales:8001",
                12000.0,
                utc(2021, 4, 20, 9),
                utc(2021, 6, 28),
                "Ana Ruiz",
                None,
                "Acme",
            ),
            (
                "freshsales:8002",
                5000.0,
                utc(2021, 5, 10, 11),
                utc(2021, 7, 15),
                "Ben Ode",
                "Budget",
                "Globex",
            ),
            (
                "freshsales:8003",
                8000.0,
                utc(2021, 6, 5, 9, 30),
                None,
                "Ben Ode",
                None,
                "Initech",
            ),
        ],
        outcomes={"freshsales:8001": "won", "freshsales:8002": "lost", "freshsales:8003": "open"},
    ),
    Export(
        "freshsales_sales_activities",
        "Id,Title,Sales activity type,Outcome,Start date,End date,Owner,Related to,Created at,"
        "Notes\n"
        "9101,Intro call,Call,Interested,2021-04-16 09:05:00,2021-04-16 09:20:00,Ana Ruiz,"
        "Jo Lee,2021-04-16 09:21:00,\n"
        "9102,Demo,Meeting,Needs follow-up,2021-05-14 15:00:00,2021-05-14 15:45:00,Ben Ode,"
        "Kim Park,2021-05-14 15:50:00,Bring pricing\n",
        {"external_id": "Id", "occurred_at": "Start date", "owner": "Owner"},
        "SELECT activity_id, occurred_at, owner, activity_type, outcome FROM activities ORDER BY 1",
        [
            ("freshsales:9101", utc(2021, 4, 16, 9, 5), "Ana Ruiz", "call", "Interested"),
            ("freshsales:9102", utc(2021, 5, 14, 15), "Ben Ode", "meeting", "Needs follow-up"),
        ],
    ),
    # ---- Close (API field names; dates in the "original" format with offset) ----------------
    Export(
        "close_leads",
        "id,display_name,status_id,status_label,date_created,date_updated,url,description,"
        "primary_contact_name,primary_contact_primary_email,primary_contact_primary_phone,"
        "custom.Lead Source,custom.Lead Owner\n"
        "lead_AbC123,Acme,stat_1,Potential,2021-04-15 10:30:00.000000+00:00,"
        "2021-04-20 09:00:00.000000+00:00,acme.com,,Jo Lee,jo@acme.com,+15550101,Webinar,"
        "Ana Ruiz\n"
        "lead_DeF456,Globex,stat_2,Qualified,2021-05-13 08:15:00.000000+02:00,"
        "2021-05-14 08:15:00.000000+02:00,globex.com,,Kim Park,kim@globex.com,+15550102,"
        "Cold email,Ben Ode\n",
        {
            "external_id": "id",
            "email": "primary_contact_primary_email",
            "created_at": "date_created",
            "channel_raw": "custom.Lead Source",
            "owner": "custom.Lead Owner",
            "status_raw": "status_label",
        },
        "SELECT lead_id, company, email, created_at, channel_raw, owner, status_raw "
        "FROM leads ORDER BY 1",
        [
            (
                "close:lead_AbC123",
                "Acme",
                "jo@acme.com",
                utc(2021, 4, 15, 10, 30),
                "Webinar",
                "Ana Ruiz",
                "Potential",
            ),
            (
                "close:lead_DeF456",
                "Globex",
                "kim@globex.com",
                utc(2021, 5, 13, 6, 15),  # 08:15 at +02:00
                "Cold email",
                "Ben Ode",
                "Qualified",
            ),
        ],
    ),
    Export(
        "close_opportunities",
        "id,lead_id,lead_name,status_id,status_label,status_type,value,value_period,"
        "value_formatted,value_currency,confidence,date_created,date_won,user_name,"
        "contact_name,note\n"
        'oppo_1,lead_AbC123,Acme,stat_w,Closed,won,1200000,one_time,"$12,000",USD,100,'
        "2021-04-20 09:00:00.000000+00:00,2021-06-30,Ana Ruiz,Jo Lee,\n"
        'oppo_2,lead_DeF456,Globex,stat_l,Gone,lost,500000,one_time,"$5,000",USD,0,'
        "2021-05-10 11:00:00.000000+00:00,2021-07-15,Ben Ode,Kim Park,lost to rival\n"
        'oppo_3,lead_DeF456,Globex,stat_a,Talking,active,800000,one_time,"$8,000",USD,50,'
        "2021-06-05 09:30:00.000000+00:00,2021-09-30,Ben Ode,Kim Park,\n",
        {
            "external_id": "id",
            "created_at": "date_created",
            "closed_at": "date_won",
            "stage_raw": "status_type",
            "amount": "value_formatted",
            "owner": "user_name",
        },
        # `value` is in cents: the amounts are the formatted ones
        "SELECT opp_id, lead_id, amount, currency, created_at, closed_at, owner, account "
        "FROM opportunities ORDER BY 1",
        [
            (
                "close:oppo_1",
                "close:lead_AbC123",
                12000.0,
                "USD",
                utc(2021, 4, 20, 9),
                utc(2021, 6, 30),
                "Ana Ruiz",
                "Acme",
            ),
            (
                "close:oppo_2",
                "close:lead_DeF456",
                5000.0,
                "USD",
                utc(2021, 5, 10, 11),
                utc(2021, 7, 15),
                "Ben Ode",
                "Globex",
            ),
            (
                "close:oppo_3",
                "close:lead_DeF456",
                8000.0,
                "USD",
                utc(2021, 6, 5, 9, 30),
                utc(2021, 9, 30),
                "Ben Ode",
                "Globex",
            ),
        ],
        # status labels are the organisation's own words; the status type is Close's
        outcomes={"close:oppo_1": "won", "close:oppo_2": "lost", "close:oppo_3": "open"},
    ),
    Export(
        "close_calls",
        "id,user_id,duration,disposition,status,direction,date_created,remote_phone,local_phone,"
        "voicemail_url,recording_url,source,lead_id,updated_by_name,contact_id,lead_name,"
        "contact_name\n"
        "acti_1,user_1,330,answered,completed,outbound,2021-04-16 09:05:00.000000+00:00,"
        "+15550101,+15550000,,,Close.io,lead_AbC123,Ana Ruiz,cont_1,Acme,Jo Lee\n"
        "acti_2,user_2,0,no-answer,completed,inbound,2021-05-14 15:20:00.000000+00:00,"
        "+15550102,+15550000,,,Close.io,lead_DeF456,Ben Ode,cont_2,Globex,Kim Park\n",
        {"external_id": "id", "occurred_at": "date_created", "owner": "user_id"},
        "SELECT activity_id, lead_id, occurred_at, owner, activity_type, direction, outcome "
        "FROM activities ORDER BY 1",
        [
            (
                "close:acti_1",
                "close:lead_AbC123",
                utc(2021, 4, 16, 9, 5),
                "user_1",
                "call",
                "outbound",
                "answered",
            ),
            (
                "close:acti_2",
                "close:lead_DeF456",
                utc(2021, 5, 14, 15, 20),
                "user_2",
                "call",
                "inbound",
                "no-answer",
            ),
        ],
    ),
    # ---- Copper (US dates) -------------------------------------------------------------------
    Export(
        "copper_leads",
        "ID,Lead Name,Company,Owner,Title,Value,Email,Phone,Status,Source,Tags,Date Created\n"
        "11001,Jo Lee,Acme,Ana Ruiz,CTO,5000,jo@acme.com,555-0101,Open,Advertising,,04/15/2021\n"
        "11002,Kim Park,Globex,Ben Ode,CFO,2000,kim@globex.com,555-0102,Unqualified,Cold Call,,"
        "05/13/2021\n",
        {
            "external_id": "ID",
            "email": "Email",
            "created_at": "Date Created",
            "channel_raw": "Source",
            "owner": "Owner",
            "status_raw": "Status",
        },
        "SELECT lead_id, name, email, created_at, channel_raw, owner, status_raw "
        "FROM leads ORDER BY 1",
        [
            (
                "copper:11001",
                "Jo Lee",
                "jo@acme.com",
                utc(2021, 4, 15),
                "Advertising",
                "Ana Ruiz",
                "Open",
            ),
            (
                "copper:11002",
                "Kim Park",
                "kim@globex.com",
                utc(2021, 5, 13),
                "Cold Call",
                "Ben Ode",
                "Unqualified",
            ),
        ],
    ),
    Export(
        "copper_people",
        "ID,Full Name,Company,Title,Contact Type,Owner,Work Email,Work Phone,Tags,Date Created\n"
        "12001,Max Mill,Initech,CTO,Potential Customer,Ana Ruiz,max@initech.com,555-0103,,"
        "06/01/2021\n"
        "12002,Eve Stone,Umbrella,CFO,Current Customer,Ben Ode,eve@umbrella.com,555-0104,,"
        "07/19/2021\n",
        {
            "external_id": "ID",
            "email": "Work Email",
            "created_at": "Date Created",
            "owner": "Owner",
        },
        "SELECT lead_id, email, created_at, owner, status_raw FROM leads ORDER BY 1",
        [
            (
                "copper:12001",
                "max@initech.com",
                utc(2021, 6, 1),
                "Ana Ruiz",
                "Potential Customer",
            ),
            ("copper:12002", "eve@umbrella.com", utc(2021, 7, 19), "Ben Ode", "Current Customer"),
        ],
    ),
    Export(
        "copper_opportunities",
        "ID,Name,Company,Primary Contact,Pipeline,Stage,Status,Value,Close Date,Owner,Source,"
        "Loss Reason,Priority,Win Probability,Date Created\n"
        "21001,Acme deal,Acme,Jo Lee,Sales,Negotiating,Won,12000,06/30/2021,Ana Ruiz,"
        "Advertising,,High,100,04/20/2021\n"
        "21002,Globex deal,Globex,Kim Park,Sales,Proposal,Lost,5000,07/15/2021,Ben Ode,"
        "Cold Call,Price,Medium,0,05/10/2021\n"
        "21003,Initech deal,Initech,Max Mill,Sales,Qualified,Open,8000,09/30/2021,Ben Ode,Email,,"
        "Low,60,06/05/2021\n",
        {
            "external_id": "ID",
            "created_at": "Date Created",
            "closed_at": "Close Date",
            "stage_raw": "Status",
            "amount": "Value",
            "channel_raw": "Source",
            "owner": "Owner",
        },
        "SELECT opp_id, name, amount, created_at, closed_at, owner, lost_reason_raw "
        "FROM opportunities ORDER BY 1",
        [
            (
                "copper:21001",
                "Acme deal",
                12000.0,
                utc(2021, 4, 20),
                utc(2021, 6, 30),
                "Ana Ruiz",
                None,
            ),
            (
                "copper:21002",
                "Globex deal",
                5000.0,
                utc(2021, 5, 10),
                utc(2021, 7, 15),
                "Ben Ode",
                "Price",
            ),
            (
                "copper:21003",
                "Initech deal",
                8000.0,
                utc(2021, 6, 5),
                utc(2021, 9, 30),
                "Ben Ode",
                None,
            ),
        ],
        outcomes={"copper:21001": "won", "copper:21002": "lost", "copper:21003": "open"},
    ),
    Export(
        "copper_activities",
        "ID,Activity Type,Details,Activity Date,User,Related To\n"
        "31001,Phone Call,Intro call,04/16/2021 9:05 AM,Ana Ruiz,Jo Lee\n"
        "31002,Meeting,Demo,05/14/2021 3:00 PM,Ben Ode,Kim Park\n",
        {"external_id": "ID", "occurred_at": "Activity Date", "owner": "User"},
        "SELECT activity_id, occurred_at, owner, activity_type FROM activities ORDER BY 1",
        [
            ("copper:31001", utc(2021, 4, 16, 9, 5), "Ana Ruiz", "call"),
            ("copper:31002", utc(2021, 5, 14, 15), "Ben Ode", "meeting"),
        ],
    ),
]


@pytest.fixture
def con(tmp_path: Path) -> Iterator[store.Connection]:
    connection = model.connect(tmp_path / "crm.duckdb")
    yield connection
    connection.close()


def test_every_crm_preset_has_an_export_here() -> None:
    assert {p.name for p in CRM_PRESETS} == {e.preset for e in EXPORTS}


@pytest.mark.parametrize("export", EXPORTS, ids=[e.preset for e in EXPORTS])
def test_crm_export_is_detected_and_its_key_columns_mapped(export: Export) -> None:
    preset = PRESETS_BY_NAME[export.preset]
    columns = sniff(export.text.encode(), "export.csv").columns
    proposal = propose_mapping(columns)
    assert (proposal.preset, proposal.object_type, proposal.source_system) == (
        export.preset,
        preset.object_type,
        preset.source_system,
    )
    assert not proposal.needs_choice and not proposal.missing_required
    assert {f: proposal.mapping.get(f) for f in export.mapping} == export.mapping


@pytest.mark.parametrize("export", EXPORTS, ids=[e.preset for e in EXPORTS])
def test_crm_export_imports_the_right_values_in_the_right_months(
    export: Export, con: store.Connection
) -> None:
    result = import_file(con, export.text.encode(), f"{export.preset}.csv")
    assert (result.preset, result.rows_rejected) == (export.preset, 0)
    assert con.execute(export.query).fetchall() == export.expected
    if export.outcomes:
        outcomes = con.execute("SELECT opp_id, outcome FROM opp_facts ORDER BY 1").fetchall()
        assert dict(outcomes) == export.outcomes
