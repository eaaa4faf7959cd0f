"""The vocabulary of export headers: how CRMs spell each canonical field, in English and in the
languages their exports are written in, declared once.

`GENERIC_ALIASES` holds, per object type, the names CRMs commonly use for each canonical field;
each English label brings its translations (`TRANSLATIONS`: German, French, Spanish and
Portuguese, as HubSpot, Salesforce, Zoho and Pipedrive write them), so a localized export
matches like an English one. `normalise` is the comparison key every header match uses.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=65536)
def normalise(name: str) -> str:
    """Header comparison key: accents folded, lower case, letters and digits only
    (`Record ID` -> `recordid`, `Date de création` -> `datedecreation`)."""
    decomposed = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]", "", folded)


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


_ENGLISH_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
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
            "Created Time",
            "Created On",
            "date_created",
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
            "Sales owner",
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
        # the SLA without activities (HubSpot contact properties hs_sa_first_engagement_date,
        # num_contacted_notes, num_notes, hs_first_outreach_date, hubspot_owner_assigneddate):
        # the number of times contacted before the sales activities count, the first
        # engagement before the first outreach (later aliases are fallbacks)
        "first_engagement_at": (
            "Date of first engagement",
            "hs_sa_first_engagement_date",
            "First Engagement Date",
            "First outreach date",
            "hs_first_outreach_date",
        ),
        "times_contacted": (
            "Number of times contacted",
            "num_contacted_notes",
            "Times Contacted",
            "Number of Sales Activities",
            "num_notes",
        ),
        "assigned_at": ("Owner assigned date", "hubspot_owner_assigneddate"),
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
            "Sales owner",
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
            "Created Time",
            "Created On",
            "date_created",
            "Engage Date",
            "Open Date",
        ),
        "closed_at": (
            "Close Date",
            "Closed Date",
            "CloseDate",
            "closedate",
            "Closing Date",
            "Actual Close Date",
        ),
        "stage_raw": ("Stage", "Deal Stage", "Stage Name", "StageName", "dealstage"),
        "is_closed": ("Closed", "IsClosed", "Is Closed", "hs_is_closed"),
        "is_won": ("Won", "IsWon", "Is Closed Won", "hs_is_closed_won"),
        "amount": (
            "Amount",
            "Close Value",
            "Deal Amount",
            "Opportunity Amount",
            "Deal Value",
            "Value",
        ),
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
    # Event logs, as analytics tools export them flattened to one column per field: GA4's
    # BigQuery export (event_name, event_timestamp, user_id / user_pseudo_id,
    # traffic_source.source / .medium / .name, event_value_in_usd,
    # ecommerce.purchase_revenue), Segment (event, timestamp, userId / anonymousId,
    # context.campaign.*, properties.revenue, messageId), Mixpanel (Event Name, Time,
    # Distinct ID, utm_*, $insert_id) and Amplitude (event_type, event_time, user_id,
    # amplitude_id, revenue, event_id). The person key prefers an explicit user id or e-mail
    # to an anonymous device id.
    "events": {
        "lead_id": (
            "user_id",
            "userId",
            "User ID",
            "Email",
            "E-mail",
            "Email Address",
            "Lead ID",
            "Contact ID",
            "Person ID",
            "Customer ID",
            "Distinct ID",
            "properties.distinct_id",
            "user_pseudo_id",
            "anonymous_id",
            "anonymousId",
            "Visitor ID",
            "Client ID",
            "amplitude_id",
            "Device ID",
        ),
        "occurred_at": (
            "Timestamp",
            "Event Time",
            "Event Timestamp",
            "Time",
            "Datetime",
            "Date Time",
            "Occurred At",
            "original_timestamp",
            "received_at",
            "client_event_time",
            "properties.time",
            "Event Date",
            "Date",
        ),
        "event": ("Event", "Event Name", "Event Type", "event_action", "Action"),
        "channel": (
            "Channel",
            "Marketing Channel",
            "Channel Grouping",
            "Default Channel Group",
            "Source",
            "utm_source",
            "traffic_source.source",
            "context.campaign.source",
            "properties.utm_source",
            "Session Source",
        ),
        "medium": (
            "Medium",
            "utm_medium",
            "traffic_source.medium",
            "context.campaign.medium",
            "properties.utm_medium",
        ),
        "campaign": (
            "Campaign",
            "Campaign Name",
            "utm_campaign",
            "traffic_source.name",
            "context.campaign.name",
            "properties.utm_campaign",
        ),
        "content_asset": (
            "Content",
            "Ad Content",
            "utm_content",
            "context.campaign.content",
            "properties.utm_content",
        ),
        "value": (
            "Value",
            "Revenue",
            "Conversion Value",
            "event_value",
            "event_value_in_usd",
            "purchase_revenue",
            "ecommerce.purchase_revenue",
            "properties.revenue",
            "properties.value",
            "Amount",
            "Order Value",
        ),
        "currency": ("Currency", "properties.currency", "Currency Code"),
        "external_id": (
            "Event ID",
            "messageId",
            "Message ID",
            "$insert_id",
            "Insert ID",
            "event_id",
            "uuid",
        ),
    },
}

# Localized labels of the key fields (id, e-mail, created / closed / activity dates, stage,
# amount, source, owner, status) as CRMs write them in German, French, Spanish and Portuguese
# exports, keyed by the English label they translate. Sources:
# HubSpot: https://knowledge.hubspot.com/de/properties/hubspots-default-contact-properties
#   https://knowledge.hubspot.com/fr/contacts/hubspots-default-contact-properties
#   https://knowledge.hubspot.com/es/contacts/use-lifecycle-stages
#   https://knowledge.hubspot.com/pt/properties/create-and-edit-properties
# Salesforce (translated standard field labels, as Lightning report exports write them, e.g.
#   `ID de piste`, `Origine de la piste`, `Société/Compte`, `Leadquelle`, `Erstellt am`):
#   https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-opportunity.html
# Zoho CRM: https://zoho.com/fr/crm/help/opportunities/standard-fields.html
#   https://www.zoho.com/de/crm/help/api/modules-fields.html
#   https://www.zoho.com/es-xl/crm/help/api/modules-fields.html
_CREATED = (
    "Erstellungsdatum",
    "Erstelldatum",
    "Erstellt am",
    "Date de création",
    "Créé le",
    "Fecha de creación",
    "Creado el",
    "Data de criação",
    "Criado em",
)
_CLOSE_DATE = (
    "Abschlussdatum",
    "Schlussdatum",
    "Date de clôture",
    "Date de fermeture",
    "Date d'échéance",
    "Fecha de cierre",
    "Data de fechamento",
    "Data de encerramento",
    "Data de fecho",
)
_OWNER = (
    "Inhaber",
    "Besitzer",
    "Eigentümer",
    "Propriétaire",
    "Propietario",
    "Proprietário",
    "Responsável",
)
_LEAD_SOURCE = (
    "Leadquelle",
    "Lead-Quelle",
    "Origine de la piste",
    "Origine du lead",
    "Source du lead",
    "Origen del candidato",
    "Origen del lead",
    "Fuente del lead",
    "Origem do lead",
    "Fonte do lead",
)
_LOSS_REASON = (
    "Verlustgrund",
    "Motif de perte",
    "Raison de la perte",
    "Motivo de pérdida",
    "Razón de pérdida",
    "Motivo da perda",
    "Motivo de perda",
)
TRANSLATIONS: dict[str, tuple[str, ...]] = {
    # ids
    "Record ID": (
        "Datensatz-ID",
        "ID de fiche d'informations",
        "ID de la fiche d'informations",
        "ID del registro",
        "ID de registro",
        "ID do registro",
    ),
    "Lead ID": ("Lead-ID", "ID de piste", "ID du lead", "ID del candidato", "ID do lead"),
    "Contact ID": ("Kontakt-ID", "ID du contact", "ID de contacto", "ID do contato"),
    "Opportunity ID": (
        "Opportunity-ID",
        "ID de l'opportunité",
        "ID de la oportunidad",
        "ID da oportunidade",
    ),
    "Deal ID": ("Deal-ID", "ID de la transaction", "ID del negocio", "ID do negócio"),
    "Activity ID": ("Aktivitäts-ID", "ID de l'activité", "ID de la actividad", "ID da atividade"),
    # e-mail
    "Email": (
        "E-Mail-Adresse",
        "Adresse e-mail",
        "Adresse électronique",
        "Courriel",
        "Correo electrónico",
        "Correo",
        "Endereço de e-mail",
    ),
    "Email Address": (
        "E-Mail-Adresse",
        "Adresse e-mail",
        "Correo electrónico",
        "Endereço de e-mail",
    ),
    # created / closed / activity dates
    "Create Date": _CREATED,
    "Created Date": _CREATED,
    "Close Date": _CLOSE_DATE,
    "Closing Date": _CLOSE_DATE,
    "Date": ("Datum", "Fecha", "Data"),
    "Activity Date": (
        "Aktivitätsdatum",
        "Date de l'activité",
        "Fecha de la actividad",
        "Data da atividade",
    ),
    # stage and status
    "Stage": ("Phase", "Étape", "Etapa", "Fase", "Estágio"),
    "Deal Stage": (
        "Deal-Phase",
        "Dealphase",
        "Phase des Deals",
        "Phase de la transaction",
        "Étape de la transaction",
        "Etapa del negocio",
        "Fase del negocio",
        "Etapa do negócio",
        "Fase do negócio",
    ),
    "Lead Status": (
        "Lead-Status",
        "Statut de la piste",
        "Statut du lead",
        "Estado del candidato",
        "Estado del lead",
        "Status do lead",
    ),
    "Lifecycle Stage": (
        "Lifecycle-Phase",
        "Lebenszyklusphase",
        "Phase du cycle de vie",
        "Étape du cycle de vie",
        "Etapa del ciclo de vida",
        "Fase do ciclo de vida",
        "Etapa do ciclo de vida",
    ),
    # not `Estado`: in Portuguese (and Spanish addresses) it is the state of an address
    "Status": ("Statut",),
    "Won": ("Gewonnen", "Gagnée", "Gagné", "Ganada", "Ganado", "Ganha", "Ganho"),
    "Closed": ("Geschlossen", "Fermée", "Fermé", "Cerrada", "Cerrado", "Fechada", "Fechado"),
    # amount
    "Amount": ("Betrag", "Montant", "Importe", "Monto", "Valor", "Montante"),
    # source
    "Lead Source": _LEAD_SOURCE,
    "Original Source": (
        "Originalquelle",
        "Ursprüngliche Quelle",
        "Source d'origine",
        "Source originale",
        "Fuente original",
        "Fonte original",
        "Origem original",
    ),
    "Source": ("Quelle", "Origine", "Fuente", "Origen", "Fonte", "Origem"),
    # owner
    "Owner": _OWNER,
    "Lead Owner": (
        "Lead-Inhaber",
        "Leadinhaber",
        "Lead-Eigentümer",
        "Propriétaire de la piste",
        "Propriétaire du lead",
        "Propietario del candidato",
        "Propietario del lead",
        "Responsable del cliente potencial",
        "Proprietário do lead",
    ),
    "Contact owner": (
        "Kontaktinhaber",
        "Kontakt-Inhaber",
        "Propriétaire du contact",
        "Propietario del contacto",
        "Proprietário do contato",
    ),
    "Opportunity Owner": (
        "Opportunity-Inhaber",
        "Opportunity-Besitzer",
        "Propriétaire de l'opportunité",
        "Propietario de la oportunidad",
        "Proprietário da oportunidade",
    ),
    "Deal owner": (
        "Deal-Inhaber",
        "Dealinhaber",
        "Propriétaire de la transaction",
        "Propietario del negocio",
        "Proprietário do negócio",
    ),
    "Assigned": (
        "Zugewiesen",
        "Zugewiesen an",
        "Attribué à",
        "Assigné à",
        "Asignado a",
        "Atribuído a",
    ),
    # names, companies, accounts (the headers around the key fields)
    "Opportunity Name": (
        "Opportunity-Name",
        "Nom de l'opportunité",
        "Nombre de la oportunidad",
        "Nome da oportunidade",
    ),
    "Deal Name": (
        "Dealname",
        "Deal-Name",
        "Nom de la transaction",
        "Nombre del negocio",
        "Nome do negócio",
    ),
    "Account Name": (
        "Accountname",
        "Account-Name",
        "Nom du compte",
        "Nombre de la cuenta",
        "Nome da conta",
    ),
    "Company": ("Firma", "Unternehmen", "Société", "Entreprise", "Empresa"),
    "Company / Account": ("Firma/Account", "Société/Compte", "Empresa/Cuenta", "Empresa/Conta"),
    "Company Name": (
        "Firmenname",
        "Unternehmensname",
        "Nom de l'entreprise",
        "Nom de la société",
        "Nombre de la empresa",
        "Nome da empresa",
    ),
    "First Name": ("Vorname", "Prénom", "Nombre", "Nome"),
    "Last Name": ("Nachname", "Nom", "Apellidos", "Sobrenome"),
    # reasons, types and outcomes
    "Loss Reason": _LOSS_REASON,
    "Closed Lost Reason": _LOSS_REASON,
    "Probability (%)": (
        "Wahrscheinlichkeit (%)",
        "Probabilité (%)",
        "Probabilidad (%)",
        "Probabilidade (%)",
    ),
    "Activity Type": ("Aktivitätstyp", "Type d'activité", "Tipo de actividad", "Tipo de atividade"),
    "Task Subtype": ("Untertyp der Aufgabe", "Sous-type de tâche", "Subtipo de tarea"),
    "Subject": ("Betreff", "Objet", "Asunto", "Assunto"),
    "Call Result": (
        "Anrufergebnis",
        "Résultat de l'appel",
        "Resultado de la llamada",
        "Resultado da chamada",
    ),
}
"""English label -> the same label in German, French, Spanish and Portuguese exports."""

_TRANSLATIONS_BY_KEY: dict[str, tuple[str, ...]] = {
    normalise(english): labels for english, labels in TRANSLATIONS.items()
}


def localized(*labels: str) -> tuple[str, ...]:
    """The labels, each followed by its translations, without repeats (after `normalise`): the
    spellings of one header in every language an export may be written in."""
    seen: set[str] = set()
    spellings: list[str] = []
    for label in labels:
        for spelling in (label, *_TRANSLATIONS_BY_KEY.get(normalise(label), ())):
            key = normalise(spelling)
            if key not in seen:
                seen.add(key)
                spellings.append(spelling)
    return tuple(spellings)


GENERIC_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    object_type: {field_name: localized(*names) for field_name, names in fields.items()}
    for object_type, fields in _ENGLISH_ALIASES.items()
}
"""Per object type, canonical field -> the usual spellings of its column in any CRM, English
first and each English label followed by its translations."""

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
