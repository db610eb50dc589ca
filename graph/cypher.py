"""Every Cypher statement Neo4jStore sends, in one place.

The text is fixed: values always travel as parameters (``$rows``, ``$id``...), never by string
formatting. The only text built at import time is one statement per role, from the fixed
ROLE_TYPES table below, and one per label of FIRST_LOAD_LABELS, because Cypher cannot take a
relationship type or a label as a parameter.

Everything here is Neo4j 5 Cypher. It is tested against ArcadeDB's Bolt server, which runs
all of it; the places where ArcadeDB differs from Neo4j are noted beside the statement
concerned (none needs a different text today, so there is no ArcadeDB dialect to switch to).

Schema (see docs/neo4j.md)::

    (:PersonRecord {record_id, ...})-[:RESOLVES_TO]->(:Person {person_id, ...})
    (:PersonRecord)-[:VICTIM_IN|SUSPECT_IN|OFFENDER_IN|WITNESS_IN {relationship}]->(:Incident)
    (:Incident)-[:OCCURRED_AT]->(:Location {postcode})
    (:Measure)-[:RESTRICTS]->(:PersonRecord)   (:Measure)-[:PROTECTS]->(:PersonRecord)
    (:Measure)-[:BREACHED_BY]->(:Incident)     (:Referral)-[:ABOUT]->(:PersonRecord)
    bookkeeping: (:Load) (:QuarantinedRow) (:LoadWarning) (:IdentityLink) (:IdentityOverride)
                 (:AuditEntry {seq, prev_hash, hash, ...}) (:User {name, role, ...})
                 (:Meta {key, value})
    MATAC decisions: (:MatacDecision {decision_id, person_id, ...}), append-only. The person is
                 a ``person_id`` property, not an edge to (:Person): every re-resolve deletes and
                 recreates Person nodes, and a decision must outlive that.
                 Meetings (:MatacMeeting) and action states (:MatacAction) likewise.
"""

from __future__ import annotations

# --- schema: run once per store, each IF NOT EXISTS ------------------------------------------
# Uniqueness constraints double as the lookup indexes every MERGE/MATCH by key relies on.
# ArcadeDB accepts these statements verbatim (it maps each constraint to a unique LSM index).
SCHEMA = [
    "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.person_id IS UNIQUE",
    "CREATE CONSTRAINT record_id IF NOT EXISTS FOR (n:PersonRecord) REQUIRE n.record_id IS UNIQUE",
    "CREATE CONSTRAINT incident_id IF NOT EXISTS FOR (n:Incident) REQUIRE n.incident_id IS UNIQUE",
    "CREATE CONSTRAINT measure_id IF NOT EXISTS FOR (n:Measure) REQUIRE n.measure_id IS UNIQUE",
    "CREATE CONSTRAINT referral_id IF NOT EXISTS FOR (n:Referral) REQUIRE n.referral_id IS UNIQUE",
    "CREATE CONSTRAINT custody_id IF NOT EXISTS FOR (n:Custody) REQUIRE n.custody_id IS UNIQUE",
    "CREATE CONSTRAINT location_postcode IF NOT EXISTS FOR (n:Location) REQUIRE n.postcode IS UNIQUE",
    "CREATE CONSTRAINT load_id IF NOT EXISTS FOR (n:Load) REQUIRE n.load_id IS UNIQUE",
    "CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (n:Meta) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX load_content_hash IF NOT EXISTS FOR (n:Load) ON (n.content_hash)",
    "CREATE INDEX link_record_l IF NOT EXISTS FOR (n:IdentityLink) ON (n.record_id_l)",
    "CREATE INDEX quarantine_load IF NOT EXISTS FOR (n:QuarantinedRow) ON (n.load_id)",
    "CREATE INDEX warning_load IF NOT EXISTS FOR (n:LoadWarning) ON (n.load_id)",
    "CREATE INDEX audit_seq IF NOT EXISTS FOR (n:AuditEntry) ON (n.seq)",
    "CREATE CONSTRAINT user_name IF NOT EXISTS FOR (n:User) REQUIRE n.name IS UNIQUE",
    "CREATE CONSTRAINT matac_decision_id IF NOT EXISTS FOR (n:MatacDecision) REQUIRE n.decision_id IS UNIQUE",
    "CREATE INDEX matac_decision_person IF NOT EXISTS FOR (n:MatacDecision) ON (n.person_id)",
    "CREATE CONSTRAINT matac_meeting_id IF NOT EXISTS FOR (n:MatacMeeting) REQUIRE n.meeting_id IS UNIQUE",
    "CREATE CONSTRAINT matac_action_entry IF NOT EXISTS FOR (n:MatacAction) REQUIRE n.entry_id IS UNIQUE",
    "CREATE CONSTRAINT matac_referral_id IF NOT EXISTS FOR (n:MatacReferral) REQUIRE n.referral_id IS UNIQUE",
]

# --- meta / version ---------------------------------------------------------------------------
INIT_META = "MERGE (m:Meta {key: $key}) ON CREATE SET m.value = $value"
READ_META = "MATCH (m:Meta {key: $key}) RETURN m.value AS value"
SET_META = "MERGE (m:Meta {key: $key}) SET m.value = $value"
BUMP_VERSION = "MATCH (m:Meta {key: 'version'}) SET m.value = m.value + 1"

# --- loading ----------------------------------------------------------------------------------
COMPLETED_LOAD = (
    "MATCH (l:Load {content_hash: $hash}) WHERE l.finished_at IS NOT NULL "
    "RETURN l.load_id AS load_id ORDER BY l.started_at LIMIT 1"
)
# ``SET n = row`` replaces every property, as the embedded store's delete-then-insert does;
# a null in ``row`` leaves the property absent, which reads back as null.
UPSERT_RECORDS = (
    "UNWIND $rows AS row MERGE (n:PersonRecord {record_id: row.record_id}) SET n = row"
)
UPSERT_INCIDENTS = "UNWIND $rows AS row MERGE (n:Incident {incident_id: row.incident_id}) SET n = row"
DETACH_LOCATIONS = (
    "UNWIND $ids AS id MATCH (:Incident {incident_id: id})-[old:OCCURRED_AT]->() DELETE old"
)
# Locations first, each postcode once, so that linking incidents to them (below) never has two
# transactions creating one Location (a first load links in several at once).
UPSERT_LOCATIONS = "UNWIND $rows AS row MERGE (:Location {postcode: row.postcode})"
LINK_LOCATIONS = (
    "UNWIND $rows AS row MATCH (n:Incident {incident_id: row.incident_id}) "
    "MERGE (l:Location {postcode: row.postcode}) MERGE (n)-[:OCCURRED_AT]->(l)"
)

# A role is a relationship type; Cypher cannot parameterise a type, so there is one fixed
# statement per role (Neo4j 5.26's dynamic ``$(type)`` would do, but ArcadeDB lacks it).
ROLE_TYPES = {
    "victim": "VICTIM_IN", "suspect": "SUSPECT_IN", "offender": "OFFENDER_IN",
    "witness": "WITNESS_IN",
}
ROLE_OF_TYPE = {rel: role for role, rel in ROLE_TYPES.items()}
UPSERT_ROLE = {
    role: (
        "UNWIND $rows AS row MATCH (r:PersonRecord {record_id: row.record_id}) "
        "MATCH (i:Incident {incident_id: row.incident_id}) "
        f"MERGE (r)-[x:{rel}]->(i) SET x.relationship = row.relationship"
    )
    for role, rel in ROLE_TYPES.items()
}
ROLE_PATTERN = "|".join(ROLE_TYPES.values())

UPSERT_MEASURES = "UNWIND $rows AS row MERGE (n:Measure {measure_id: row.measure_id}) SET n = row"
DETACH_MEASURE_PEOPLE = (
    "UNWIND $ids AS id MATCH (:Measure {measure_id: id})-[old:RESTRICTS|PROTECTS]->() DELETE old"
)
LINK_RESTRICTS = (
    "UNWIND $rows AS row MATCH (m:Measure {measure_id: row.measure_id}) "
    "MATCH (r:PersonRecord {record_id: row.record_id}) MERGE (m)-[:RESTRICTS]->(r)"
)
LINK_PROTECTS = (
    "UNWIND $rows AS row MATCH (m:Measure {measure_id: row.measure_id}) "
    "MATCH (r:PersonRecord {record_id: row.record_id}) MERGE (m)-[:PROTECTS]->(r)"
)
DETACH_BREACHES = (
    "UNWIND $ids AS id MATCH (:Measure {measure_id: id})-[old:BREACHED_BY]->() DELETE old"
)
LINK_BREACHES = (
    "UNWIND $rows AS row MATCH (m:Measure {measure_id: row.measure_id}) "
    "MATCH (i:Incident {incident_id: row.incident_id}) MERGE (m)-[:BREACHED_BY]->(i)"
)

UPSERT_REFERRALS = (
    "UNWIND $rows AS row MERGE (n:Referral {referral_id: row.referral_id}) SET n = row"
)
DETACH_REFERRAL_PEOPLE = (
    "UNWIND $ids AS id MATCH (:Referral {referral_id: id})-[old:ABOUT]->() DELETE old"
)
LINK_ABOUT = (
    "UNWIND $rows AS row MATCH (f:Referral {referral_id: row.referral_id}) "
    "MATCH (r:PersonRecord {record_id: row.record_id}) MERGE (f)-[:ABOUT]->(r)"
)

UPSERT_CUSTODY = "UNWIND $rows AS row MERGE (n:Custody {custody_id: row.custody_id}) SET n = row"
DETACH_CUSTODY_PEOPLE = "UNWIND $ids AS id MATCH (:Custody {custody_id: id})-[old:HELD]->() DELETE old"
LINK_HELD = (
    "UNWIND $rows AS row MATCH (c:Custody {custody_id: row.custody_id}) "
    "MATCH (r:PersonRecord {record_id: row.record_id}) MERGE (c)-[:HELD]->(r)"
)

# Records withdrawn upstream, by contract table: each goes with its links (DETACH DELETE); a
# measure restricting or a referral about a withdrawn person record goes with it.
WITHDRAW = {
    "people": [
        "UNWIND $ids AS id MATCH (m:Measure)-[:RESTRICTS]->(:PersonRecord {record_id: id}) DETACH DELETE m",
        "UNWIND $ids AS id MATCH (f:Referral)-[:ABOUT]->(:PersonRecord {record_id: id}) DETACH DELETE f",
        "UNWIND $ids AS id MATCH (c:Custody)-[:HELD]->(:PersonRecord {record_id: id}) DETACH DELETE c",
        "UNWIND $ids AS id MATCH (r:PersonRecord {record_id: id}) DETACH DELETE r",
    ],
    "incidents": ["UNWIND $ids AS id MATCH (i:Incident {incident_id: id}) DETACH DELETE i"],
    "measures": ["UNWIND $ids AS id MATCH (m:Measure {measure_id: id}) DETACH DELETE m"],
    "referrals": ["UNWIND $ids AS id MATCH (f:Referral {referral_id: id}) DETACH DELETE f"],
    "custody": ["UNWIND $ids AS id MATCH (c:Custody {custody_id: id}) DETACH DELETE c"],
}

# --- a first load written by several sessions (Neo4jStore with writers > 1) ------------------
# Only into a database holding none of these labels: whatever such a load wrote can be told
# apart from what was there before (nothing), so a failed one is undone by deleting the labels.
FIRST_LOAD_LABELS = ("PersonRecord", "Incident", "Location", "Measure", "Referral", "Custody", "Person")
HOLDS_LABEL = {label: f"MATCH (n:{label}) RETURN 1 AS found LIMIT 1" for label in FIRST_LOAD_LABELS}
# The marker says a first load is being written (and its writer was alive at ``alive_at``).
CLAIM_FIRST_LOAD = (
    "MERGE (m:Meta {key: 'first_load'}) ON CREATE SET m.value = $load_id, m.alive_at = $now "
    "RETURN m.value AS load_id"
)
FIRST_LOAD_MARKER = "MATCH (m:Meta {key: 'first_load'}) RETURN m.value AS load_id, m.alive_at AS alive_at"
FIRST_LOAD_ALIVE = "MATCH (m:Meta {key: 'first_load', value: $load_id}) SET m.alive_at = $now"
FIRST_LOAD_DONE = "MATCH (m:Meta {key: 'first_load'}) DELETE m"
UNDO_FIRST_LOAD = {
    label: f"MATCH (n:{label}) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n"
    for label in FIRST_LOAD_LABELS
}

# --- identity ---------------------------------------------------------------------------------
DELETE_PERSONS = "MATCH (p:Person) DETACH DELETE p"
DELETE_LINKS = "MATCH (l:IdentityLink) DELETE l"
CREATE_PERSONS = "UNWIND $rows AS row CREATE (p:Person) SET p = row"
CREATE_CLUSTERS = (
    "UNWIND $rows AS row MATCH (r:PersonRecord {record_id: row.record_id}) "
    "MATCH (p:Person {person_id: row.person_id}) CREATE (r)-[:RESOLVES_TO]->(p)"
)
CREATE_LINKS = "UNWIND $rows AS row CREATE (l:IdentityLink) SET l = row"
CREATE_OVERRIDES = "UNWIND $rows AS row CREATE (o:IdentityOverride) SET o = row"
# Person-id lineage: append-only events (never updated or deleted).
CREATE_LINEAGE = "UNWIND $rows AS row CREATE (e:PersonIdEvent) SET e = row"
# The review queue is replaced with every resolution.
DELETE_REVIEW = "MATCH (r:ReviewItem) DELETE r"
CREATE_REVIEW = "UNWIND $rows AS row CREATE (r:ReviewItem) SET r = row"

# --- load bookkeeping -------------------------------------------------------------------------
MERGE_LOAD = "MERGE (l:Load {load_id: $load_id}) SET l += $props"
CREATE_LOADS = "UNWIND $rows AS row MERGE (l:Load {load_id: row.load_id}) SET l = row"
DELETE_QUARANTINE = "MATCH (q:QuarantinedRow {load_id: $load_id}) DELETE q"
DELETE_WARNINGS = "MATCH (w:LoadWarning {load_id: $load_id}) DELETE w"
CREATE_QUARANTINE = "UNWIND $rows AS row CREATE (q:QuarantinedRow) SET q = row"
CREATE_WARNINGS = "UNWIND $rows AS row CREATE (w:LoadWarning) SET w = row"
CREATE_AUDIT = "UNWIND $rows AS row CREATE (a:AuditEntry) SET a = row"
# Appending to the hash chain: take a write lock on one node first, so two writers queue
# instead of both chaining onto the same head; then read the head inside the same transaction.
LOCK_AUDIT = "MERGE (m:Meta {key: 'audit_lock'}) ON CREATE SET m.value = 0 SET m.value = m.value + 1"
AUDIT_HEAD = (
    "MATCH (a:AuditEntry) WHERE a.seq IS NOT NULL "
    "RETURN a.seq AS seq, a.hash AS hash ORDER BY a.seq DESC LIMIT 1"
)
PUT_USER = (
    "MERGE (u:User {name: $name}) ON CREATE SET u.created_at = $at "
    "SET u.role = $role, u.password_hash = $password_hash, u.active = $active, u.updated_at = $at, "
    "u.forces = $forces"
)
# MATAC decisions are only ever created (append-only); no statement here updates or deletes one.
CREATE_MATAC_DECISIONS = "UNWIND $rows AS row CREATE (d:MatacDecision) SET d = row"
CREATE_MATAC_MEETINGS = "UNWIND $rows AS row CREATE (m:MatacMeeting) SET m = row"
CREATE_MATAC_ACTIONS = "UNWIND $rows AS row CREATE (a:MatacAction) SET a = row"
CREATE_MATAC_REFERRALS = "UNWIND $rows AS row CREATE (r:MatacReferral) SET r = row"

# --- reading ----------------------------------------------------------------------------------
EXISTING_IDS = {
    "person_records": "UNWIND $ids AS id MATCH (n:PersonRecord {record_id: id}) RETURN DISTINCT id",
    "incidents": "UNWIND $ids AS id MATCH (n:Incident {incident_id: id}) RETURN DISTINCT id",
}
RECORD_FIELDS = (
    "n.record_id AS record_id, n.source_system AS source_system, n.forename AS forename, "
    "n.surname AS surname, n.date_of_birth AS date_of_birth, n.sex AS sex, "
    "n.postcode AS postcode, n.address AS address, n.pnc_id AS pnc_id, n.ethnicity AS ethnicity"
)
PERSON_RECORDS = f"MATCH (n:PersonRecord) RETURN {RECORD_FIELDS}"
PERSON_RECORDS_AMONG = f"UNWIND $ids AS id MATCH (n:PersonRecord {{record_id: id}}) RETURN DISTINCT {RECORD_FIELDS}"
PERSON_RECORD_ROWS = (
    f"MATCH (n:PersonRecord)-[:RESOLVES_TO]->(:Person {{person_id: $person_id}}) RETURN {RECORD_FIELDS}"
)
CLUSTERS = (
    "MATCH (r:PersonRecord)-[:RESOLVES_TO]->(p:Person) "
    "RETURN r.record_id AS record_id, p.person_id AS person_id"
)
PERSONS = (
    "MATCH (p:Person) RETURN p.person_id AS person_id, p.display_name AS display_name, "
    "p.n_records AS n_records, p.sex AS sex, p.date_of_birth AS date_of_birth, "
    "p.postcode AS postcode, p.ethnicity AS ethnicity"
)
LINK_FIELDS = (
    "l.record_id_l AS record_id_l, l.record_id_r AS record_id_r, "
    "l.match_weight AS match_weight, l.match_probability AS match_probability, "
    "l.method AS method, l.reasons AS reasons"
)
ALL_LINKS = f"MATCH (l:IdentityLink) RETURN {LINK_FIELDS}"
PERSON_LINKS = (
    "MATCH (r:PersonRecord)-[:RESOLVES_TO]->(:Person {person_id: $person_id}) "
    f"MATCH (l:IdentityLink {{record_id_l: r.record_id}}) RETURN {LINK_FIELDS}"
)
OVERRIDES = (
    "MATCH (o:IdentityOverride) RETURN o.kind AS kind, o.record_id_l AS record_id_l, "
    "o.record_id_r AS record_id_r, o.`by` AS `by`, o.`at` AS `at`, o.reason AS reason"
)
LINEAGE = (
    "MATCH (e:PersonIdEvent) RETURN e.seq AS seq, e.`at` AS `at`, e.event AS event, "
    "e.person_id AS person_id, e.other_id AS other_id, e.record_id AS record_id, e.cause AS cause"
)
REVIEW = (
    "MATCH (r:ReviewItem) RETURN r.item_id AS item_id, r.kind AS kind, "
    "r.record_id_l AS record_id_l, r.record_id_r AS record_id_r, r.match_weight AS match_weight, "
    "r.match_probability AS match_probability, r.evidence_for AS evidence_for, "
    "r.evidence_against AS evidence_against, r.note AS note"
)
LOADS = (
    "MATCH (l:Load) RETURN l.load_id AS load_id, l.source AS source, "
    "l.content_hash AS content_hash, l.started_at AS started_at, "
    "l.finished_at AS finished_at, l.summary AS summary, l.force AS force"
)
_ISSUE_FIELDS = (
    "q.load_id AS load_id, q.file AS file, q.`row` AS `row`, q.`column` AS `column`, "
    "q.reason AS reason, q.value AS value"
)
QUARANTINE = f"MATCH (q:QuarantinedRow) WHERE $load_id IS NULL OR q.load_id = $load_id RETURN {_ISSUE_FIELDS}"
WARNINGS = f"MATCH (q:LoadWarning) WHERE $load_id IS NULL OR q.load_id = $load_id RETURN {_ISSUE_FIELDS}"
AUDIT_LOG = (
    "MATCH (a:AuditEntry) RETURN a.`at` AS `at`, a.who AS who, a.action AS action, "
    "a.subject AS subject, a.detail AS detail, a.reason AS reason, a.seq AS seq, "
    "a.prev_hash AS prev_hash, a.hash AS hash"
)
USERS = (
    "MATCH (u:User) RETURN u.name AS name, u.role AS role, u.password_hash AS password_hash, "
    "u.active AS active, u.created_at AS created_at, u.updated_at AS updated_at, u.forces AS forces"
)
MATAC_DECISIONS = (
    "MATCH (d:MatacDecision) RETURN d.decision_id AS decision_id, d.person_id AS person_id, "
    "d.meeting_date AS meeting_date, d.decision AS decision, d.reason AS reason, d.who AS who, "
    "d.`at` AS `at`, d.score AS score, d.`rank` AS `rank`, d.as_of AS as_of, "
    "d.config_version AS config_version, d.config_fingerprint AS config_fingerprint"
)
MATAC_MEETINGS = (
    "MATCH (m:MatacMeeting) RETURN m.meeting_id AS meeting_id, m.meeting_date AS meeting_date, "
    "m.agencies AS agencies, m.note AS note, m.who AS who, m.`at` AS `at`"
)
MATAC_ACTIONS = (
    "MATCH (a:MatacAction) RETURN a.entry_id AS entry_id, a.action_id AS action_id, "
    "a.person_id AS person_id, a.meeting_date AS meeting_date, a.tactic AS tactic, "
    "a.owner_agency AS owner_agency, a.due_date AS due_date, a.status AS status, "
    "a.review_date AS review_date, a.note AS note, a.who AS who, a.`at` AS `at`"
)
MATAC_REFERRALS = (
    "MATCH (r:MatacReferral) RETURN r.referral_id AS referral_id, r.person_id AS person_id, "
    "r.agency AS agency, r.reason AS reason, r.meeting_date AS meeting_date, r.who AS who, r.`at` AS `at`"
)

INCIDENTS = (
    "MATCH (i:Incident) RETURN i.incident_id AS incident_id, i.occurred_at AS occurred_at, "
    "i.recorded_at AS recorded_at, i.offence AS offence, i.domestic_abuse AS domestic_abuse, "
    "i.dash_risk AS dash_risk, i.outcome AS outcome, i.postcode AS postcode, i.sentence AS sentence, "
    "i.sentence_months AS sentence_months, i.weapon AS weapon, i.victim_pregnant AS victim_pregnant"
)
INVOLVEMENTS = (
    f"MATCH (r:PersonRecord)-[x:{ROLE_PATTERN}]->(i:Incident) "
    "RETURN i.incident_id AS incident_id, r.record_id AS record_id, type(x) AS rel_type, "
    "x.relationship AS relationship"
)
# Per (incident, person, role) scoring keeps min(relationship); the minimum is taken in pandas
# (code-point order, as DuckDB) rather than in Cypher, whose string order is the server's.
ROLES = (
    f"MATCH (r:PersonRecord)-[x:{ROLE_PATTERN}]->(i:Incident), (r)-[:RESOLVES_TO]->(p:Person) "
    "RETURN i.incident_id AS incident_id, p.person_id AS person_id, type(x) AS rel_type, "
    "x.relationship AS relationship, r.record_id AS record_id"
)
MEASURES = (
    "MATCH (m:Measure) OPTIONAL MATCH (m)-[:RESTRICTS]->(s:PersonRecord) "
    "OPTIONAL MATCH (m)-[:PROTECTS]->(p:PersonRecord) "
    "RETURN m.measure_id AS measure_id, m.type AS type, s.record_id AS subject_record_id, "
    "p.record_id AS protected_record_id, m.start_date AS start_date, m.end_date AS end_date"
)
BREACHES = (
    "MATCH (m:Measure)-[:BREACHED_BY]->(i:Incident) "
    "RETURN DISTINCT m.measure_id AS measure_id, i.incident_id AS incident_id"
)
REFERRALS = (
    "MATCH (f:Referral) OPTIONAL MATCH (f)-[:ABOUT]->(r:PersonRecord) "
    "RETURN f.referral_id AS referral_id, r.record_id AS record_id, f.type AS type, "
    "f.date AS date, f.detail AS detail"
)
CUSTODY = (
    "MATCH (c:Custody) OPTIONAL MATCH (c)-[:HELD]->(r:PersonRecord) "
    "RETURN c.custody_id AS custody_id, r.record_id AS record_id, c.start_date AS start_date, "
    "c.expected_release_date AS expected_release_date, c.released_date AS released_date"
)

# counts(): stored table name -> statement returning ``n``.
COUNTS = {
    "person_records": "MATCH (n:PersonRecord) RETURN count(n) AS n",
    "incidents": "MATCH (n:Incident) RETURN count(n) AS n",
    "involvements": f"MATCH (:PersonRecord)-[x:{ROLE_PATTERN}]->(:Incident) RETURN count(x) AS n",
    "measures": "MATCH (n:Measure) RETURN count(n) AS n",
    "measure_breaches": "MATCH (:Measure)-[x:BREACHED_BY]->(:Incident) RETURN count(x) AS n",
    "referrals": "MATCH (n:Referral) RETURN count(n) AS n",
    "custody": "MATCH (n:Custody) RETURN count(n) AS n",
    "persons": "MATCH (n:Person) RETURN count(n) AS n",
    "record_person": "MATCH (:PersonRecord)-[x:RESOLVES_TO]->(:Person) RETURN count(x) AS n",
    "quarantine": "MATCH (n:QuarantinedRow) RETURN count(n) AS n",
    "load_warnings": "MATCH (n:LoadWarning) RETURN count(n) AS n",
    "loads": "MATCH (n:Load) RETURN count(n) AS n",
    "identity_overrides": "MATCH (n:IdentityOverride) RETURN count(n) AS n",
    "audit_log": "MATCH (n:AuditEntry) RETURN count(n) AS n",
    "users": "MATCH (n:User) RETURN count(n) AS n",
    "matac_decisions": "MATCH (n:MatacDecision) RETURN count(n) AS n",
    "matac_meetings": "MATCH (n:MatacMeeting) RETURN count(n) AS n",
    "matac_actions": "MATCH (n:MatacAction) RETURN count(n) AS n",
    "matac_referrals": "MATCH (n:MatacReferral) RETURN count(n) AS n",
    "person_lineage": "MATCH (n:PersonIdEvent) RETURN count(n) AS n",
    "identity_review": "MATCH (n:ReviewItem) RETURN count(n) AS n",
}

# Tests and `harmgraph sync --replace` only: empty the whole database.
DELETE_EVERYTHING = "MATCH (n) DETACH DELETE n"
