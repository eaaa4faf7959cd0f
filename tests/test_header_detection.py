"""Reading a header row: localized labels (German, French, Spanish, Portuguese) match like
English ones, a generic file is confident exactly when its header says clearly what it holds,
a mapping never drops a mapped column silently (derived fields, fields of another record type,
remembered mappings of a differently spelled header)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alignment import model
from alignment.db import store
from alignment.ingest import (
    IngestError,
    import_file,
    propose_mapping,
    save_mapping,
    saved_mapping,
    sniff,
    validate_mapping,
)
from alignment.ingest.mapping import CONFIDENT, candidates, normalise_mapping
from alignment.ingest.presets import normalise
from alignment.present.importing import mapping_table

from .conftest import REALDATA


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[store.Connection]:
    connection = model.connect(tmp_path / "headers.duckdb")
    yield connection
    connection.close()


# ---- accents and localized labels -----------------------------------------------------------
def test_normalise_folds_accents_and_sharp_s() -> None:
    assert normalise("Date de création") == normalise("DATE_DE_CREATION") == "datedecreation"
    assert normalise("Proprietário do negócio") == "proprietariodonegocio"
    assert normalise("Straße") == "strasse"


# A German HubSpot contacts export: `;`-delimited, day-first dates, localized labels.
GERMAN_HUBSPOT_CONTACTS = (
    "Datensatz-ID;Vorname;Nachname;E-Mail;Erstellungsdatum;Lifecycle-Phase;Lead-Status;"
    "Originalquelle;Kontaktinhaber\n"
    "301;Jonas;Keller;jonas@keller.de;15.04.2026 10:30;Lead;NEW;ORGANIC_SEARCH;Anna Roth\n"
    "302;Mia;Wolf;mia@wolf.de;03.05.2026 08:15;Marketing Qualified Lead;CONNECTED;"
    "PAID_SEARCH;Ben Vogel\n"
)


def test_german_hubspot_contacts_are_detected_and_mapped() -> None:
    columns = sniff(GERMAN_HUBSPOT_CONTACTS.encode(), "kontakte.csv").columns
    proposal = propose_mapping(columns)
    assert (proposal.preset, proposal.source_system) == ("hubspot_contacts", "hubspot")
    assert proposal.confidence >= CONFIDENT
    assert proposal.mapping == proposal.mapping | {
        "external_id": "Datensatz-ID",
        "email": "E-Mail",
        "created_at": "Erstellungsdatum",
        "status_raw": "Lead-Status",
        "channel_raw": "Originalquelle",
        "owner": "Kontaktinhaber",
    }


def test_german_hubspot_contacts_import_into_the_right_months(con: store.Connection) -> None:
    result = import_file(con, GERMAN_HUBSPOT_CONTACTS.encode(), "kontakte.csv")
    assert (result.source_system, result.rows_rejected) == ("hubspot", 0)
    got = con.execute(
        "SELECT lead_id, email, created_at, channel_raw, owner FROM leads ORDER BY 1"
    ).fetchall()
    # 15.04.2026: the 15 decides day-first
    assert got == [
        ("hubspot:301", "jonas@keller.de", utc(2026, 4, 15, 10, 30), "ORGANIC_SEARCH", "Anna Roth"),
        ("hubspot:302", "mia@wolf.de", utc(2026, 5, 3, 8, 15), "PAID_SEARCH", "Ben Vogel"),
    ]


FRENCH_SALESFORCE_HEADER = (
    "ID de l'opportunité;Nom de l'opportunité;Propriétaire de l'opportunité;Nom du compte;"
    "Étape;Montant;Date de clôture;Date de création;Origine de la piste;Probabilité (%)\n"
)


def test_french_salesforce_opportunities_with_decimal_commas_are_detected_and_mapped() -> None:
    text = FRENCH_SALESFORCE_HEADER + (
        "0061x00000AbCdE;Renouvellement Acme;Claire Martin;Acme;Closed Won;1 234,56;"
        "30/06/2026;20/04/2026;Web;100\n"
        "0061x00000FgHiJ;Pilote Globex;Luc Petit;Globex;Negotiation/Review;12.500,00;"
        "31/07/2026;13/05/2026;Salon;60\n"
    )
    columns = sniff(text.encode(), "opportunites.csv").columns
    proposal = propose_mapping(columns)
    assert (proposal.preset, proposal.source_system) == ("salesforce_opportunities", "salesforce")
    assert proposal.confidence >= CONFIDENT
    assert proposal.mapping == proposal.mapping | {
        "external_id": "ID de l'opportunité",
        "name": "Nom de l'opportunité",
        "owner": "Propriétaire de l'opportunité",
        "account": "Nom du compte",
        "stage_raw": "Étape",
        "amount": "Montant",
        "closed_at": "Date de clôture",
        "created_at": "Date de création",
        "channel_raw": "Origine de la piste",
    }


def test_french_salesforce_opportunities_import_plain_amounts(con: store.Connection) -> None:
    text = FRENCH_SALESFORCE_HEADER + (
        "0061x00000AbCdE;Renouvellement Acme;Claire Martin;Acme;Closed Won;1200;30/06/2026;"
        "20/04/2026;Web;100\n"
        "0061x00000FgHiJ;Pilote Globex;Luc Petit;Globex;Negotiation/Review;800;31/07/2026;"
        "13/05/2026;Salon;60\n"
    )
    result = import_file(con, text.encode(), "opportunites.csv")
    assert (result.source_system, result.rows_rejected) == ("salesforce", 0)
    got = con.execute(
        "SELECT opp_id, stage_raw, amount, closed_at, created_at, owner FROM opportunities "
        "ORDER BY 1"
    ).fetchall()
    assert got == [
        (
            "salesforce:0061x00000AbCdE",
            "Closed Won",
            1200.0,
            utc(2026, 6, 30),
            utc(2026, 4, 20),
            "Claire Martin",
        ),
        (
            "salesforce:0061x00000FgHiJ",
            "Negotiation/Review",
            800.0,
            utc(2026, 7, 31),
            utc(2026, 5, 13),
            "Luc Petit",
        ),
    ]


@pytest.mark.parametrize(
    ("header", "preset", "expected"),
    [
        (  # HubSpot deals, Spanish
            "ID de registro,Nombre del negocio,Etapa del negocio,Importe,Fecha de cierre,"
            "Fecha de creación,Propietario del negocio,Pipeline",
            "hubspot_deals",
            {
                "external_id": "ID de registro",
                "stage_raw": "Etapa del negocio",
                "amount": "Importe",
                "closed_at": "Fecha de cierre",
                "created_at": "Fecha de creación",
                "owner": "Propietario del negocio",
            },
        ),
        (  # HubSpot deals, Portuguese
            "ID do registro,Nome do negócio,Etapa do negócio,Valor,Data de fechamento,"
            "Data de criação,Proprietário do negócio,Pipeline",
            "hubspot_deals",
            {
                "external_id": "ID do registro",
                "stage_raw": "Etapa do negócio",
                "amount": "Valor",
                "closed_at": "Data de fechamento",
                "created_at": "Data de criação",
                "owner": "Proprietário do negócio",
            },
        ),
        (  # Salesforce leads report, German
            "Lead-ID,Lead-Inhaber,Firma,Leadquelle,Lead-Status,Erstellt am,E-Mail-Adresse",
            "salesforce_leads",
            {
                "external_id": "Lead-ID",
                "owner": "Lead-Inhaber",
                "channel_raw": "Leadquelle",
                "status_raw": "Lead-Status",
                "created_at": "Erstellt am",
                "email": "E-Mail-Adresse",
            },
        ),
        (  # Salesforce leads report, French
            "ID de piste,Propriétaire de la piste,Société/Compte,Origine de la piste,"
            "Statut de la piste,Date de création,Adresse e-mail",
            "salesforce_leads",
            {
                "external_id": "ID de piste",
                "owner": "Propriétaire de la piste",
                "company": "Société/Compte",
                "channel_raw": "Origine de la piste",
                "status_raw": "Statut de la piste",
                "created_at": "Date de création",
                "email": "Adresse e-mail",
            },
        ),
    ],
    ids=["hubspot-deals-es", "hubspot-deals-pt", "salesforce-leads-de", "salesforce-leads-fr"],
)
def test_localized_exports_are_detected_and_mapped(
    header: str, preset: str, expected: dict[str, str]
) -> None:
    proposal = propose_mapping(header.split(","))
    assert proposal.preset == preset and proposal.confidence >= CONFIDENT
    assert {f: proposal.mapping.get(f) for f in expected} == expected


# ---- honest confidence for generic files ----------------------------------------------------
def test_maven_pipeline_is_confidently_opportunities() -> None:
    columns = sniff(REALDATA / "maven" / "sales_pipeline.csv", "sales_pipeline.csv").columns
    proposal = propose_mapping(columns)
    assert proposal.object_type == "opportunities" and proposal.confidence >= CONFIDENT
    assert proposal.mapping == proposal.mapping | {
        "external_id": "opportunity_id",
        "owner": "sales_agent",
        "stage_raw": "deal_stage",
        "created_at": "engage_date",
        "closed_at": "close_date",
        "amount": "close_value",
        "account": "account",
        "product": "product",
    }


def test_xeducation_leads_are_confidently_leads() -> None:
    columns = sniff(REALDATA / "xeducation" / "leads.csv", "leads.csv").columns
    proposal = propose_mapping(columns)
    assert proposal.object_type == "leads" and proposal.confidence >= CONFIDENT
    assert proposal.mapping == proposal.mapping | {
        "external_id": "Prospect ID",
        "channel_raw": "Lead Source",
        "is_won": "Converted",  # a generic flag: became a customer
        "country": "Country",
    }


@pytest.mark.parametrize(
    "header",
    [
        # a name, a date and a number: owners? accounts? spend? targets?
        ["Name", "Date", "Value"],
        # fits leads and activities equally: an id, an e-mail, a date, an owner
        ["Id", "Email", "Created Date", "Owner"],
        ["Reference", "Opened", "Value (EUR)"],
    ],
    ids=["name-date-value", "leads-or-activities", "nothing-known"],
)
def test_an_ambiguous_header_is_not_confident(header: list[str]) -> None:
    proposal = propose_mapping(header)
    assert proposal.confidence < CONFIDENT and proposal.needs_choice


def test_leads_or_activities_tie_lists_both_as_candidates() -> None:
    listed = {c[2]: c[3] for c in candidates(["Id", "Email", "Created Date", "Owner"])}
    assert {"leads", "activities"} <= set(listed)
    assert all(confidence < CONFIDENT for confidence in listed.values())


# ---- mappings never drop a mapped column silently ---------------------------------------------
def test_a_derived_field_is_read_as_its_raw_field_with_a_note() -> None:
    mapping, notes = normalise_mapping(
        "opportunities", {"external_id": "opportunity_id", "stage": "deal_stage"}
    )
    assert mapping == {"external_id": "opportunity_id", "stage_raw": "deal_stage"}
    assert len(notes) == 1 and "'deal_stage' was read as stage_raw" in notes[0]
    leads, _ = normalise_mapping(
        "leads", {"external_id": "Id", "channel": "Source", "rejection_reason": "Why"}
    )
    assert leads == {"external_id": "Id", "channel_raw": "Source", "rejection_reason_raw": "Why"}


def test_a_derived_field_and_its_raw_field_on_two_columns_are_refused() -> None:
    with pytest.raises(IngestError, match="only 'stage_raw' can be mapped"):
        normalise_mapping(
            "opportunities", {"external_id": "Id", "stage": "Stage A", "stage_raw": "Stage B"}
        )


def test_import_reads_a_derived_field_as_its_raw_field(con: store.Connection) -> None:
    # before: `stage` loaded and `stage_raw` stayed empty, so no deal was ever won
    text = b"opportunity_id,deal_stage\nA1,Won\nA2,Lost\n"
    result = import_file(
        con,
        text,
        "deals.csv",
        object_type="opportunities",
        source_system="crm",
        mapping={"external_id": "opportunity_id", "stage": "deal_stage"},
    )
    assert result.mapping == {"external_id": "opportunity_id", "stage_raw": "deal_stage"}
    assert "read as stage_raw" in result.warnings[0]
    outcomes = con.execute("SELECT external_id, outcome FROM opp_facts ORDER BY 1").fetchall()
    assert outcomes == [("A1", "won"), ("A2", "lost")]


def test_a_field_of_another_record_type_is_named_with_its_record_type() -> None:
    with pytest.raises(IngestError, match="It is a field of opportunities"):
        validate_mapping(
            "leads", {"external_id": "Id", "stage_raw": "Stage"}, ["Id", "Stage"], "x.csv"
        )


def test_the_mapping_editor_offers_no_derived_field() -> None:
    leads = mapping_table("leads", {}, ["Id"])["field"].to_list()
    opportunities = mapping_table("opportunities", {}, ["Id"])["field"].to_list()
    assert "channel_raw" in leads and "stage_raw" in opportunities
    assert not {"channel", "rejection_reason"} & set(leads)
    assert not {"channel", "stage", "lost_reason"} & set(opportunities)


def test_a_remembered_mapping_keeps_columns_spelled_differently(con: store.Connection) -> None:
    # the same header signature: case, spaces and underscores do not count
    mapping = {"external_id": "Deal Id", "stage_raw": "Deal Stage", "amount": "Close Value"}
    save_mapping(con, ["Deal Id", "Deal Stage", "Close Value"], "opportunities", "crm", mapping)
    remembered = saved_mapping(con, ["deal_id", "deal_stage", "close_value"])
    assert remembered is not None
    assert remembered.mapping == {
        "external_id": "deal_id",
        "stage_raw": "deal_stage",
        "amount": "close_value",
    }
