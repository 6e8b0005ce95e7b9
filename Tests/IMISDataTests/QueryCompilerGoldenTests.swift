import Foundation
import Testing

@testable import IMISData

/// The SQL text and bound values both compilers produce for a corpus covering every node and leaf kind: the
/// statements are prepared (PostgreSQL) and matched to partial indexes (SQLite) by their exact text, so any change
/// to the compiled form must show up here.
struct QueryCompilerGoldenTests {
    static let instant = Date(timeIntervalSince1970: 1_700_000_000.123)
    static let manyIDs = (1...20).map { "id\($0)" }

    /// One predicate per node and leaf kind, plus their combinations.
    static let corpus: [RowPredicate] = [
        .compare("LastName", .equal, .text("Banda")),
        .compare("FamilyID", .greaterOrEqual, .integer(7)),
        .compare("CHFID", .equal, .null),
        .compare("CHFID", .notEqual, .null),
        .compare("DOB", .less, .text("2000-01-02")),
        .equalsIgnoringCase("LastName", "BaNdA"),
        .foldedEquals("LastName", "Bända"),
        .foldedStartsWith("OtherNames", "Ru_t%h\\"),
        .foldedContains("LastName", "a%b_c"),
        .exact("CHFID", "123"),
        .isNull("CHFID"), .isNull("FamilyID"),
        .isNotNull("CHFID"), .isNotNull("FamilyID"),
        .uuidEquals("AB12-cd"),
        .lastUpdated(.greater, instant),
        .constant(true), .constant(false),
        .oneOf("CHFID", [.text("1"), .text("2"), .text("3")]),
        .oneOf("FamilyID", [.integer(1), .integer(2)]),
        .oneOf("CHFID", manyIDs.map { .text($0) }),
        .or([.equalsIgnoringCase("LastName", "a"), .equalsIgnoringCase("LastName", "b")]),
        .or(manyIDs.map { .equalsIgnoringCase("LastName", $0) }),
        .or([.uuidEquals("u1"), .uuidEquals("U2")]),
        .or(manyIDs.map { .uuidEquals($0) }),
        .or([.exact("CHFID", "1"), .foldedEquals("LastName", "x"), .isNull("DOB")]),
        .and([.exact("CHFID", "1"), .foldedEquals("LastName", "x"), .isNotNull("DOB"), .compare("FamilyID", .less, .integer(3))]),
        .not(.or([.exact("CHFID", "1"), .isNull("FamilyID")])),
        .not(.exact("CHFID", "1")),
        .and([]), .or([]),
        .related(table: "tblFamilies", column: "FamilyID", outerColumn: "FamilyID",
                 where: [.uuidEquals("f1"), .exact("FamilyType", "H")]),
        .related(table: "tblFamilies", column: "FamilyID", outerColumn: "FamilyID", where: []),
        .related(table: "tblInvoice", column: "InvoiceID", outerColumn: "FamilyID",
                 where: [.related(table: "tblFamilies", column: "FamilyID", outerColumn: "InvoiceID",
                                  where: [.isNull("FamilyType")])]),
        .or([.related(table: "tblFamilies", column: "FamilyID", outerColumn: "FamilyID", where: [.exact("FamilyType", "A")]),
             .related(table: "tblFamilies", column: "FamilyID", outerColumn: "FamilyID", where: [.exact("FamilyType", "B")]),
             .exact("CHFID", "9")]),
        .or([.and([.exact("CHFID", "1"), .or([.isNull("DOB"), .lastUpdated(.lessOrEqual, instant)])]),
             .not(.oneOf("FamilyID", [.integer(5)]))]),
        .and((1...20).map { .foldedEquals("LastName", "n\($0)") }),
        .or((1...20).map { .foldedContains("LastName", "n\($0)") }),
        .related(table: "tblFamilies", column: "FamilyID", outerColumn: "FamilyID",
                 where: (1...10).map { .exact("FamilyType", "\($0)") }),
    ]

    static let catalog = PostgresCatalog(tables: [
        "tblInsuree": [
            "InsureeID": PGColumn(name: "InsureeID", type: "integer"),
            "InsureeUUID": PGColumn(name: "InsureeUUID", type: "character varying"),
            "FamilyID": PGColumn(name: "FamilyID", type: "integer"),
            "CHFID": PGColumn(name: "CHFID", type: "character varying"),
            "LastName": PGColumn(name: "LastName", type: "character varying"),
            "OtherNames": PGColumn(name: "OtherNames", type: "character varying"),
            "DOB": PGColumn(name: "DOB", type: "date"),
            "ValidityFrom": PGColumn(name: "ValidityFrom", type: "timestamp without time zone"),
            "ValidityTo": PGColumn(name: "ValidityTo", type: "timestamp without time zone"),
        ],
        "tblFamilies": [
            "FamilyID": PGColumn(name: "FamilyID", type: "integer"),
            "FamilyUUID": PGColumn(name: "FamilyUUID", type: "uuid"),
            "InsureeUUID": PGColumn(name: "InsureeUUID", type: "character varying"),
            "FamilyType": PGColumn(name: "FamilyType", type: "character varying"),
            "InvoiceID": PGColumn(name: "InvoiceID", type: "integer"),
            "ValidityTo": PGColumn(name: "ValidityTo", type: "timestamp without time zone"),
        ],
        "tblInvoice": [
            "InvoiceID": PGColumn(name: "InvoiceID", type: "integer"),
            "isDeleted": PGColumn(name: "isDeleted", type: "boolean"),
        ],
    ])

    /// Each predicate compiled by SQLite: the condition, then its arguments.
    static func sqlite() throws -> String {
        try corpus.map { predicate in
            var compiler = SQLiteQueryCompiler(uuidColumn: "InsureeUUID", currentCondition: "t.ValidityTo IS NULL")
            let sql = try compiler.compile(predicate)
            let arguments = compiler.arguments.map { $0.map { "\($0.databaseValue)" } ?? "nil" }
            return sql + "\n  -> " + arguments.joined(separator: " | ")
        }.joined(separator: "\n")
    }

    /// Each predicate compiled by PostgreSQL: the condition, then its binds.
    static func postgres() throws -> String {
        try corpus.map { predicate in
            var compiler = PostgresQueryCompiler(catalog: catalog, tableName: "tblInsuree", uuidName: "InsureeUUID",
                                                 uuid: catalog.column("tblInsuree", "InsureeUUID"))
            let sql = try compiler.compile(predicate)
            return sql + "\n  -> " + compiler.statement.binds.map { "\($0)" }.joined(separator: " | ")
        }.joined(separator: "\n")
    }

    @Test func sqliteCompilesTheCorpusToTheSameSQLAndArguments() throws {
        let actual = try Self.sqlite()
        #expect(actual == Self.expectedSQLite)
    }

    @Test func postgresCompilesTheCorpusToTheSameSQLAndBinds() throws {
        let actual = try Self.postgres()
        #expect(actual == Self.expectedPostgres)
    }

    static let expectedSQLite = #"""
t.LastName = ?
  -> "Banda"
t.FamilyID >= ?
  -> 7
t.CHFID = ?
  -> nil
t.CHFID <> ?
  -> nil
t.DOB < ?
  -> "2000-01-02"
t.LastName = ? COLLATE NOCASE
  -> "BaNdA"
imis_fold(t.LastName) = ?
  -> "banda"
(imis_fold(t.OtherNames) >= ? AND imis_fold(t.OtherNames) < ?)
  -> "ru_t%h\\" | "ru_t%h\\􏿿"
imis_fold(t.LastName) LIKE ? ESCAPE '\'
  -> "%a\\%b\\_c%"
t.CHFID = ? COLLATE BINARY
  -> "123"
(t.CHFID IS NULL OR t.CHFID = '')
  -> 
(t.FamilyID IS NULL OR t.FamilyID = '')
  -> 
(t.CHFID IS NOT NULL AND t.CHFID <> '')
  -> 
(t.FamilyID IS NOT NULL AND t.FamilyID <> '')
  -> 
t.InsureeUUID = ? COLLATE NOCASE
  -> "AB12-cd"
t.ValidityFrom > ?
  -> "2023-11-14 22:13:20.123"
1
  -> 
0
  -> 
t.CHFID IN (?, ?, ?)
  -> "1" | "2" | "3"
t.FamilyID IN (?, ?)
  -> 1 | 2
t.CHFID IN (SELECT value FROM json_each(?))
  -> "[\"id1\",\"id2\",\"id3\",\"id4\",\"id5\",\"id6\",\"id7\",\"id8\",\"id9\",\"id10\",\"id11\",\"id12\",\"id13\",\"id14\",\"id15\",\"id16\",\"id17\",\"id18\",\"id19\",\"id20\"]"
t.LastName COLLATE NOCASE IN (?, ?)
  -> "a" | "b"
t.LastName COLLATE NOCASE IN (SELECT value FROM json_each(?))
  -> "[\"id1\",\"id2\",\"id3\",\"id4\",\"id5\",\"id6\",\"id7\",\"id8\",\"id9\",\"id10\",\"id11\",\"id12\",\"id13\",\"id14\",\"id15\",\"id16\",\"id17\",\"id18\",\"id19\",\"id20\"]"
t.InsureeUUID COLLATE NOCASE IN (?, ?)
  -> "u1" | "U2"
t.InsureeUUID COLLATE NOCASE IN (SELECT value FROM json_each(?))
  -> "[\"id1\",\"id2\",\"id3\",\"id4\",\"id5\",\"id6\",\"id7\",\"id8\",\"id9\",\"id10\",\"id11\",\"id12\",\"id13\",\"id14\",\"id15\",\"id16\",\"id17\",\"id18\",\"id19\",\"id20\"]"
((t.CHFID = ? COLLATE BINARY AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) = ? AND t.ValidityTo IS NULL) OR ((t.DOB IS NULL OR t.DOB = '') AND t.ValidityTo IS NULL))
  -> "1" | "x"
(t.CHFID = ? COLLATE BINARY AND imis_fold(t.LastName) = ? AND (t.DOB IS NOT NULL AND t.DOB <> '') AND t.FamilyID < ?)
  -> "1" | "x" | 3
NOT (((t.CHFID = ? COLLATE BINARY AND t.ValidityTo IS NULL) OR ((t.FamilyID IS NULL OR t.FamilyID = '') AND t.ValidityTo IS NULL)))
  -> "1"
NOT (t.CHFID = ? COLLATE BINARY)
  -> "1"
1
  -> 
0
  -> 
EXISTS (SELECT 1 FROM tblFamilies r1 WHERE (r1.FamilyID = t.FamilyID AND r1.ValidityTo IS NULL AND r1.InsureeUUID = ? COLLATE NOCASE AND r1.FamilyType = ? COLLATE BINARY))
  -> "f1" | "H"
EXISTS (SELECT 1 FROM tblFamilies r1 WHERE (r1.FamilyID = t.FamilyID AND r1.ValidityTo IS NULL))
  -> 
EXISTS (SELECT 1 FROM tblInvoice r1 WHERE (r1.InvoiceID = t.FamilyID AND r1.isDeleted = 0 AND EXISTS (SELECT 1 FROM tblFamilies r2 WHERE (r2.FamilyID = r1.InvoiceID AND r2.ValidityTo IS NULL AND (r2.FamilyType IS NULL OR r2.FamilyType = '')))))
  -> 
((EXISTS (SELECT 1 FROM tblFamilies r1 WHERE (r1.FamilyID = t.FamilyID AND r1.ValidityTo IS NULL AND (r1.FamilyType = ? COLLATE BINARY OR r1.FamilyType = ? COLLATE BINARY))) AND t.ValidityTo IS NULL) OR (t.CHFID = ? COLLATE BINARY AND t.ValidityTo IS NULL))
  -> "A" | "B" | "9"
(((t.CHFID = ? COLLATE BINARY AND (((t.DOB IS NULL OR t.DOB = '') AND t.ValidityTo IS NULL) OR (t.ValidityFrom <= ? AND t.ValidityTo IS NULL))) AND t.ValidityTo IS NULL) OR (NOT (t.FamilyID = ?) AND t.ValidityTo IS NULL))
  -> "1" | "2023-11-14 22:13:20.123" | 5
((imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ?) AND (imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ?) AND (imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ? AND imis_fold(t.LastName) = ?))
  -> "n1" | "n2" | "n3" | "n4" | "n5" | "n6" | "n7" | "n8" | "n9" | "n10" | "n11" | "n12" | "n13" | "n14" | "n15" | "n16" | "n17" | "n18" | "n19" | "n20"
(((imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL)) OR ((imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL)) OR ((imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL) OR (imis_fold(t.LastName) LIKE ? ESCAPE '\' AND t.ValidityTo IS NULL)))
  -> "%n1%" | "%n2%" | "%n3%" | "%n4%" | "%n5%" | "%n6%" | "%n7%" | "%n8%" | "%n9%" | "%n10%" | "%n11%" | "%n12%" | "%n13%" | "%n14%" | "%n15%" | "%n16%" | "%n17%" | "%n18%" | "%n19%" | "%n20%"
EXISTS (SELECT 1 FROM tblFamilies r1 WHERE ((r1.FamilyID = t.FamilyID AND r1.ValidityTo IS NULL AND r1.FamilyType = ? COLLATE BINARY AND r1.FamilyType = ? COLLATE BINARY AND r1.FamilyType = ? COLLATE BINARY AND r1.FamilyType = ? COLLATE BINARY AND r1.FamilyType = ? COLLATE BINARY AND r1.FamilyType = ? COLLATE BINARY) AND (r1.FamilyType = ? COLLATE BINARY AND r1.FamilyType = ? COLLATE BINARY AND r1.FamilyType = ? COLLATE BINARY AND r1.FamilyType = ? COLLATE BINARY)))
  -> "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "10"
"""#

    static let expectedPostgres = #"""
t."LastName" = $1
  -> text("Banda")
t."FamilyID" >= CAST($1 AS integer)
  -> text("7")
t."CHFID" IS NULL
  -> 
t."CHFID" IS NOT NULL
  -> 
t."DOB" < CAST($1 AS date)
  -> text("2000-01-02")
lower(t."LastName") = lower($1)
  -> text("BaNdA")
replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $1
  -> text("banda")
(replace(regexp_replace(normalize(lower(t."OtherNames"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') ~>=~ $1 AND replace(regexp_replace(normalize(lower(t."OtherNames"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') ~<~ $2)
  -> text("ru_t%h\\") | text("ru_t%h]")
replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $1 ESCAPE '\'
  -> text("%a\\%b\\_c%")
t."CHFID" = $1
  -> text("123")
(t."CHFID" IS NULL OR t."CHFID" = '')
  -> 
t."FamilyID" IS NULL
  -> 
(t."CHFID" IS NOT NULL AND t."CHFID" <> '')
  -> 
t."FamilyID" IS NOT NULL
  -> 
lower(t."InsureeUUID") = lower($1)
  -> text("AB12-cd")
date_trunc('milliseconds', t."ValidityFrom") > CAST($1 AS timestamp without time zone)
  -> text("2023-11-14 22:13:20.123")
TRUE
  -> 
FALSE
  -> 
t."CHFID" = ANY($1)
  -> textArray(["1", "2", "3"])
t."FamilyID" = ANY(CAST($1 AS integer[]))
  -> textArray(["1", "2"])
t."CHFID" = ANY($1)
  -> textArray(["id1", "id2", "id3", "id4", "id5", "id6", "id7", "id8", "id9", "id10", "id11", "id12", "id13", "id14", "id15", "id16", "id17", "id18", "id19", "id20"])
lower(t."LastName") = ANY(ARRAY(SELECT lower(v) FROM unnest(CAST($1 AS text[])) AS v))
  -> textArray(["a", "b"])
lower(t."LastName") = ANY(ARRAY(SELECT lower(v) FROM unnest(CAST($1 AS text[])) AS v))
  -> textArray(["id1", "id2", "id3", "id4", "id5", "id6", "id7", "id8", "id9", "id10", "id11", "id12", "id13", "id14", "id15", "id16", "id17", "id18", "id19", "id20"])
lower(t."InsureeUUID") = ANY(ARRAY(SELECT lower(v) FROM unnest(CAST($1 AS text[])) AS v))
  -> textArray(["u1", "U2"])
lower(t."InsureeUUID") = ANY(ARRAY(SELECT lower(v) FROM unnest(CAST($1 AS text[])) AS v))
  -> textArray(["id1", "id2", "id3", "id4", "id5", "id6", "id7", "id8", "id9", "id10", "id11", "id12", "id13", "id14", "id15", "id16", "id17", "id18", "id19", "id20"])
(t."CHFID" = $1 OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $2 OR t."DOB" IS NULL)
  -> text("1") | text("x")
(t."CHFID" = $1 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $2 AND t."DOB" IS NOT NULL AND t."FamilyID" < CAST($3 AS integer))
  -> text("1") | text("x") | text("3")
NOT ((t."CHFID" = $1 OR t."FamilyID" IS NULL))
  -> text("1")
NOT (t."CHFID" = $1)
  -> text("1")
TRUE
  -> 
FALSE
  -> 
EXISTS (SELECT 1 FROM "tblFamilies" r1 WHERE r1."FamilyID" = t."FamilyID" AND r1."ValidityTo" IS NULL AND lower(r1."InsureeUUID") = lower($1) AND r1."FamilyType" = $2)
  -> text("f1") | text("H")
EXISTS (SELECT 1 FROM "tblFamilies" r1 WHERE r1."FamilyID" = t."FamilyID" AND r1."ValidityTo" IS NULL)
  -> 
EXISTS (SELECT 1 FROM "tblInvoice" r1 WHERE r1."InvoiceID" = t."FamilyID" AND r1."isDeleted" = CAST('0' AS boolean) AND EXISTS (SELECT 1 FROM "tblFamilies" r2 WHERE r2."FamilyID" = r1."InvoiceID" AND r2."ValidityTo" IS NULL AND (r2."FamilyType" IS NULL OR r2."FamilyType" = '')))
  -> 
(EXISTS (SELECT 1 FROM "tblFamilies" r1 WHERE r1."FamilyID" = t."FamilyID" AND r1."ValidityTo" IS NULL AND (r1."FamilyType" = $1 OR r1."FamilyType" = $2)) OR t."CHFID" = $3)
  -> text("A") | text("B") | text("9")
((t."CHFID" = $1 AND (t."DOB" IS NULL OR date_trunc('milliseconds', t."ValidityFrom") <= CAST($2 AS timestamp without time zone))) OR NOT (t."FamilyID" = CAST($3 AS integer)))
  -> text("1") | text("2023-11-14 22:13:20.123") | text("5")
(replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $1 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $2 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $3 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $4 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $5 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $6 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $7 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $8 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $9 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $10 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $11 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $12 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $13 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $14 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $15 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $16 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $17 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $18 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $19 AND replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') = $20)
  -> text("n1") | text("n2") | text("n3") | text("n4") | text("n5") | text("n6") | text("n7") | text("n8") | text("n9") | text("n10") | text("n11") | text("n12") | text("n13") | text("n14") | text("n15") | text("n16") | text("n17") | text("n18") | text("n19") | text("n20")
(replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $1 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $2 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $3 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $4 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $5 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $6 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $7 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $8 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $9 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $10 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $11 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $12 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $13 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $14 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $15 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $16 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $17 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $18 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $19 ESCAPE '\' OR replace(regexp_replace(normalize(lower(t."LastName"), NFD), E'[\u0300-\u036f]', '', 'g'), 'ß', 'ss') LIKE $20 ESCAPE '\')
  -> text("%n1%") | text("%n2%") | text("%n3%") | text("%n4%") | text("%n5%") | text("%n6%") | text("%n7%") | text("%n8%") | text("%n9%") | text("%n10%") | text("%n11%") | text("%n12%") | text("%n13%") | text("%n14%") | text("%n15%") | text("%n16%") | text("%n17%") | text("%n18%") | text("%n19%") | text("%n20%")
EXISTS (SELECT 1 FROM "tblFamilies" r1 WHERE r1."FamilyID" = t."FamilyID" AND r1."ValidityTo" IS NULL AND r1."FamilyType" = $1 AND r1."FamilyType" = $2 AND r1."FamilyType" = $3 AND r1."FamilyType" = $4 AND r1."FamilyType" = $5 AND r1."FamilyType" = $6 AND r1."FamilyType" = $7 AND r1."FamilyType" = $8 AND r1."FamilyType" = $9 AND r1."FamilyType" = $10)
  -> text("1") | text("2") | text("3") | text("4") | text("5") | text("6") | text("7") | text("8") | text("9") | text("10")
"""#
}
