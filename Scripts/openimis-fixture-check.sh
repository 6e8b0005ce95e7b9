#!/usr/bin/env bash
# The real openIMIS 24.10 database (fixtures/openimis/openimis-24.10-demo.sql.gz) served by the built imis-fhir
# binary on PostgreSQL, both ways: as it is (--migrate false) and migrated. For each: sign in as Admin/admin123,
# search and read every resource type of /fhir/metadata, create an insuree in a demo family, a new family head, a
# claim, a contract, its invoice and a payment of it (which must activate the policy), and run
# `imis-fhir check-database` (its report printed). One line per check (ok/FAIL), a summary, non-zero on a failure.
#
# Usage: IMIS_TEST_POSTGRES=postgres://user@host:port/postgres Scripts/openimis-fixture-check.sh [BINARY]
# (the server of IMIS_TEST_POSTGRES gets two scratch databases, dropped at the end; BINARY defaults to the debug
# build's imis-fhir). Needs psql, createdb, dropdb, gunzip, curl and python3.
set -uo pipefail
cd "$(dirname "$0")/.."

url=${IMIS_TEST_POSTGRES:?IMIS_TEST_POSTGRES is not set}
BIN=${1:-$(swift build --show-bin-path 2>/dev/null)/imis-fhir}
[ -x "$BIN" ] || { echo "no imis-fhir binary at $BIN (swift build first)" >&2; exit 2; }
DUMP=fixtures/openimis/openimis-24.10-demo.sql.gz
IG=https://openimis.github.io/openimis_fhir_r4_ig

# postgres://user[:password]@host:port/db → the parts.
read -r PGUSER PGHOST PGPORT < <(python3 -c '
import sys, urllib.parse as u
p = u.urlparse(sys.argv[1]); print(p.username or "postgres", p.hostname or "127.0.0.1", p.port or 5432)' "$url")
export PGUSER PGHOST PGPORT
[ -n "$(python3 -c 'import sys, urllib.parse as u; print(u.urlparse(sys.argv[1]).password or "")' "$url")" ] &&
    export PGPASSWORD="$(python3 -c 'import sys, urllib.parse as u; print(u.unquote(u.urlparse(sys.argv[1]).password))' "$url")"

work=$(mktemp -d)
SERVER_PID=""
passed=0
failed=0
databases=()
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    for db in "${databases[@]}"; do dropdb --if-exists --force "$db" 2>/dev/null; done
    [ -n "${CHECK_KEEP:-}" ] && echo "logs kept in $work" || rm -rf "$work"
}
trap cleanup EXIT

# check NAME CONDITION-STATUS [DETAIL]: prints one line and counts it.
check() {
    if [ "$2" = 0 ]; then
        passed=$((passed + 1)); echo "ok    $1"
    else
        failed=$((failed + 1)); echo "FAIL  $1${3:+ — $3}"
    fi
}

# call METHOD PATH [JSON-BODY]: the status; the body in $work/body.
call() {
    local args=(-s -o "$work/body" -w '%{http_code}' --max-time 20 -X "$1" -H "Authorization: Bearer $TOKEN")
    [ $# -ge 3 ] && args+=(-H 'Content-Type: application/fhir+json' --data-binary "$3")
    curl "${args[@]}" "$BASE$2"
}

# json EXPRESSION: evaluates a Python expression over the last body (`j`); prints it (empty when it fails).
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$work/body" 2>/dev/null; }

# sql DATABASE QUERY: the first column of the first row.
sql() { psql -X -At -d "$1" -c "$2" 2>/dev/null | head -n 1; }

# serve DATABASE MIGRATE: starts the binary on the database; sets BASE.
serve() {
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    DB_ENGINE=postgresql DB_NAME="$1" DB_HOST="$PGHOST" DB_PORT="$PGPORT" DB_USER="$PGUSER" MODE=DEV \
        DEMO_DATASET=false RATELIMIT_RATE=off RATELIMIT_AUTHENTICATED_RATE=off LOG_LEVEL=${CHECK_LOG_LEVEL:-warning} \
        "$BIN" serve --port "$port" --migrate "$2" >"$work/server-$1.log" 2>&1 &
    SERVER_PID=$!
    BASE="http://127.0.0.1:$port"
    for _ in $(seq 300); do
        curl -s -o /dev/null --max-time 1 "$BASE/health/ready" && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

stop() { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""; }

# run_checks DATABASE LABEL MIGRATE
run_checks() {
    local db=$1 label=$2 status
    createdb "$db" && databases+=("$db")
    gunzip -c "$DUMP" | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null 2>"$work/load.log"
    check "$label: load the dump" $? "$(head -c 300 "$work/load.log")"
    serve "$db" "$3"
    check "$label: the server starts (--migrate $3)" $? "$(tail -n 5 "$work/server-$db.log" 2>/dev/null)"
    [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null || { SERVER_PID=""; return; }

    TOKEN=$(curl -s --max-time 10 -X POST "$BASE/auth/token" -d grant_type=password -d username=Admin -d password=admin123 |
        python3 -c 'import json,sys; print(json.load(sys.stdin).get("access_token",""))' 2>/dev/null)
    [ -n "$TOKEN" ]
    check "$label: sign in as Admin/admin123 (POST /auth/token)" $? "no access token: openIMIS's sign-in does not work on this database yet; the other checks need it"
    [ -n "$TOKEN" ] || { stop; return; }

    status=$(call GET /fhir/metadata)
    check "$label: GET /fhir/metadata" $([ "$status" = 200 ]; echo $?) "HTTP $status"
    local types
    # The types that declare search-type (and read) in the CapabilityStatement.
    types=$(json '" ".join(r["type"] for r in j["rest"][0]["resource"] if any(i["code"] == "search-type" for i in r.get("interaction", [])))')
    for type in $types; do
        status=$(call GET "/fhir/$type?_count=3")
        check "$label: search $type" $([ "$status" = 200 ]; echo $?) "HTTP $status $(json 'j["issue"][0].get("diagnostics","")')"
        local id
        id=$(json 'j["entry"][0]["resource"]["id"]')
        if [ -n "$id" ]; then
            status=$(call GET "/fhir/$type/$id")
            check "$label: read $type/$id" $([ "$status" = 200 ]; echo $?) "HTTP $status"
        fi
    done

    # Creates, from the database's own rows.
    local family village chfid policy hf admin item service icd product
    family=$(sql "$db" 'SELECT "FamilyUUID" FROM "tblFamilies" WHERE "ValidityTo" IS NULL ORDER BY "FamilyID" LIMIT 1')
    village=$(sql "$db" 'SELECT l."LocationUUID" FROM "tblFamilies" f JOIN "tblLocations" l ON l."LocationId" = f."LocationId"
        WHERE f."ValidityTo" IS NULL ORDER BY f."FamilyID" LIMIT 1')
    # A member lives at the family's address; a head brings the new family's.
    patient() {
        local group="" address=", \"address\": [{\"use\": \"home\", \"type\": \"physical\", \"line\": [\"7 Market Street\"],
            \"extension\": [{\"url\": \"$IG/StructureDefinition/address-location-reference\", \"valueReference\": {\"reference\": \"Location/$village\"}}]}]"
        if [ "$4" = false ]; then
            group=", {\"url\": \"$IG/StructureDefinition/patient-group-reference\", \"valueReference\": {\"reference\": \"Group/$family\"}}"
            address=""
        fi
        echo "{\"resourceType\": \"Patient\", \"extension\": [{\"url\": \"$IG/StructureDefinition/patient-is-head\", \"valueBoolean\": $4}$group],
          \"identifier\": [{\"type\": {\"coding\": [{\"system\": \"$IG/CodeSystem/openimis-identifiers\", \"code\": \"Code\"}]}, \"value\": \"$1\"}],
          \"name\": [{\"use\": \"official\", \"family\": \"$2\", \"given\": [\"$3\"]}], \"gender\": \"female\", \"birthDate\": \"1990-03-04\"$address}"
    }
    status=$(call POST /fhir/Patient "$(patient 990000101 Check Member false)")
    check "$label: create Patient in demo family $family" $([ "$status" = 201 ]; echo $?) "HTTP $status $(json 'j["issue"][0].get("diagnostics","")')"
    status=$(call POST /fhir/Patient "$(patient 990000102 Check Head true)")
    check "$label: create Patient heading a new family" $([ "$status" = 201 ]; echo $?) "HTTP $status $(json 'j["issue"][0].get("diagnostics","")')"

    chfid=$(sql "$db" 'SELECT i."CHFID" FROM "tblInsuree" i JOIN "tblPolicy" p ON p."FamilyID" = i."FamilyID" AND p."ValidityTo" IS NULL
        AND p."PolicyStatus" = 2 WHERE i."ValidityTo" IS NULL AND i."CHFID" IS NOT NULL ORDER BY i."InsureeID" LIMIT 1')
    policy=$(sql "$db" "SELECT p.\"PolicyUUID\" FROM \"tblInsuree\" i JOIN \"tblPolicy\" p ON p.\"FamilyID\" = i.\"FamilyID\"
        AND p.\"ValidityTo\" IS NULL AND p.\"PolicyStatus\" = 2 WHERE i.\"CHFID\" = '$chfid' AND i.\"ValidityTo\" IS NULL LIMIT 1")
    hf=$(sql "$db" 'SELECT h."HFCode" FROM "tblClaimAdmin" a JOIN "tblHF" h ON h."HfID" = a."HFId"
        WHERE a."ValidityTo" IS NULL AND h."ValidityTo" IS NULL ORDER BY a."ClaimAdminId" LIMIT 1')
    admin=$(sql "$db" 'SELECT a."ClaimAdminCode" FROM "tblClaimAdmin" a JOIN "tblHF" h ON h."HfID" = a."HFId"
        WHERE a."ValidityTo" IS NULL AND h."ValidityTo" IS NULL ORDER BY a."ClaimAdminId" LIMIT 1')
    item=$(sql "$db" 'SELECT "ItemCode" FROM "tblItems" WHERE "ValidityTo" IS NULL ORDER BY "ItemID" LIMIT 1')
    service=$(sql "$db" 'SELECT "ServCode" FROM "tblServices" WHERE "ValidityTo" IS NULL ORDER BY "ServiceID" LIMIT 1')
    icd=$(sql "$db" 'SELECT "ICDCode" FROM "tblICDCodes" WHERE "ValidityTo" IS NULL ORDER BY "ICDID" LIMIT 1')
    local claim
    claim=$(python3 - "$IG" "$chfid" "$hf" "$admin" "$policy" "$service" "$item" "$icd" <<'EOF'
import json, sys
ig, chfid, hf, admin, policy, service, item, icd = sys.argv[1:]
def line(seq, kind, ref, code, qty, price):
    return {"extension": [{"url": f"{ig}/StructureDefinition/claim-item-reference", "valueReference": {"reference": f"{ref}/{code}"}}],
            "sequence": seq, "category": {"coding": [{"system": f"{ig}/CodeSystem/claim-item-category", "code": kind}]},
            "productOrService": {"text": code}, "servicedDate": "2026-09-15", "quantity": {"value": qty},
            "unitPrice": {"value": price, "currency": "EUR"}}
print(json.dumps({"resourceType": "Claim",
    "identifier": [{"type": {"coding": [{"system": f"{ig}/CodeSystem/openimis-identifiers", "code": "Code"}]}, "value": "CHECK-CLAIM-1"}],
    "status": "active", "type": {"coding": [{"system": f"{ig}/CodeSystem/claim-visit-type", "code": "O"}]}, "use": "claim",
    "patient": {"reference": f"Patient/{chfid}"}, "billablePeriod": {"start": "2026-09-15"}, "created": "2026-09-16",
    "enterer": {"reference": f"Practitioner/{admin}"}, "provider": {"reference": f"Organization/{hf}"},
    "priority": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}]},
    "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": f"{ig}/CodeSystem/diagnosis-ICD10-level1", "code": icd}]}}],
    "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": f"Coverage/{policy}"}}],
    "item": [line(1, "service", "ActivityDefinition", service, 1, 40.0), line(2, "item", "Medication", item, 2, 10.0)],
    "total": {"value": 60.0, "currency": "EUR"}}))
EOF
)
    status=$(call POST /fhir/Claim "$claim")
    check "$label: create Claim by $hf for $chfid ($service, $item, $icd)" $([ "$status" = 201 ]; echo $?) "HTTP $status $(json 'j["issue"][0].get("diagnostics","")')"

    product=$(sql "$db" 'SELECT "ProdUUID" FROM "tblProduct" WHERE "ValidityTo" IS NULL ORDER BY "ProdID" LIMIT 1')
    status=$(call POST /fhir/Contract "{\"resourceType\": \"Contract\", \"status\": \"offered\", \"issued\": \"2026-06-28\",
        \"subject\": [{\"reference\": \"Group/$family\"}], \"term\": [{\"offer\": {\"text\": \"Enrolment\"}, \"asset\": [{
        \"period\": [{\"start\": \"2026-07-01\", \"end\": \"2027-06-30\"}],
        \"valuedItem\": [{\"entityReference\": {\"reference\": \"InsurancePlan/$product\"}}]}]}]}")
    check "$label: create Contract for family $family on product $product" $([ "$status" = 201 ]; echo $?) "HTTP $status $(json 'j["issue"][0].get("diagnostics","")')"
    local contract value invoice
    contract=$(json 'j["id"]')
    value=$(sql "$db" "SELECT \"PolicyValue\" FROM \"tblPolicy\" WHERE lower(\"PolicyUUID\") = lower('$contract') AND \"ValidityTo\" IS NULL")
    status=$(call POST /fhir/Invoice "{\"resourceType\": \"Invoice\",
        \"identifier\": [{\"type\": {\"coding\": [{\"system\": \"$IG/CodeSystem/openimis-identifiers\", \"code\": \"Code\"}]}, \"value\": \"CHECK-IV-1\"}],
        \"status\": \"issued\", \"type\": {\"coding\": [{\"system\": \"$IG/CodeSystem/invoice-type\", \"code\": \"contribution\"}]},
        \"subject\": {\"reference\": \"Group/$family\"}, \"date\": \"2026-06-28\",
        \"lineItem\": [{\"sequence\": 1, \"chargeItemCodeableConcept\": {\"coding\": [{\"system\": \"$IG/CodeSystem/invoice-charge-item\", \"code\": \"policy\"}]},
          \"priceComponent\": [{\"type\": \"base\", \"factor\": 1, \"amount\": {\"value\": ${value:-0}, \"currency\": \"EUR\"}}]}],
        \"totalNet\": {\"value\": ${value:-0}, \"currency\": \"EUR\"}, \"totalGross\": {\"value\": ${value:-0}, \"currency\": \"EUR\"}}")
    check "$label: create Invoice of the contract (${value:-no value})" $([ "$status" = 201 ]; echo $?) "HTTP $status $(json 'j["issue"][0].get("diagnostics","")')"
    invoice=$(json 'j["id"]')
    status=$(call POST /fhir/PaymentNotice "{\"resourceType\": \"PaymentNotice\", \"identifier\": [{\"system\": \"urn:check\", \"value\": \"CHECK-PAY-1\"}],
        \"status\": \"active\", \"request\": {\"reference\": \"Invoice/$invoice\"}, \"created\": \"2026-06-29T10:00:00Z\",
        \"payment\": {\"reference\": \"PaymentReconciliation/pending\"}, \"paymentDate\": \"2026-06-29\",
        \"recipient\": {\"reference\": \"Organization/openIMIS-Implementation\"}, \"amount\": {\"value\": ${value:-0}, \"currency\": \"EUR\"},
        \"paymentStatus\": {\"coding\": [{\"system\": \"http://terminology.hl7.org/CodeSystem/paymentstatus\", \"code\": \"paid\"}]}}")
    check "$label: create PaymentNotice paying the invoice" $([ "$status" = 201 ]; echo $?) "HTTP $status $(json 'j["issue"][0].get("diagnostics","")')"
    local active premiums
    active=$(sql "$db" "SELECT \"PolicyStatus\" FROM \"tblPolicy\" WHERE lower(\"PolicyUUID\") = lower('$contract') AND \"ValidityTo\" IS NULL")
    premiums=$(sql "$db" "SELECT count(*) FROM \"tblPremium\" r JOIN \"tblPolicy\" p ON p.\"PolicyID\" = r.\"PolicyID\"
        WHERE lower(p.\"PolicyUUID\") = lower('$contract') AND p.\"ValidityTo\" IS NULL AND r.\"ValidityTo\" IS NULL")
    check "$label: the policy is active (tblPolicy.PolicyStatus 2, one tblPremium row)" \
        $([ "$active" = 2 ] && [ "$premiums" = 1 ]; echo $?) "PolicyStatus ${active:-none}, ${premiums:-0} premiums"
    status=$(call GET "/fhir/Coverage/$contract")
    check "$label: Coverage/$contract reads active" $([ "$status" = 200 ] && [ "$(json 'j["status"]')" = active ]; echo $?) \
        "HTTP $status $(json 'j.get("status","")')"
    status=$(call GET "/fhir/Contract/$contract")
    check "$label: Contract/$contract reads executed" $([ "$status" = 200 ] && [ "$(json 'j["status"]')" = executed ]; echo $?) \
        "HTTP $status $(json 'j.get("status","")')"
    stop

    DB_ENGINE=postgresql DB_NAME="$db" DB_HOST="$PGHOST" DB_PORT="$PGPORT" DB_USER="$PGUSER" \
        "$BIN" check-database >"$work/check.log" 2>&1
    check "$label: imis-fhir check-database" $? "$(tail -n 5 "$work/check.log")"
    sed 's/^/      /' "$work/check.log"
}

start=$(date +%s)
suffix=$$
run_checks "openimis_check_asis_$suffix" "as it is" false
run_checks "openimis_check_migrated_$suffix" "migrated" true
echo "openIMIS fixture on PostgreSQL: $passed ok, $failed failed ($(( $(date +%s) - start )) s)"
[ "$failed" = 0 ]
